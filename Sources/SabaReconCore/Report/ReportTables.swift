import Foundation

/// The report files' rows as typed tables (SPEC §4): what discrepancies.csv, summary.csv,
/// daily.csv and the pending list hold, for the workbook and the HTML page. summary.csv
/// is rendered from the same summary rows, so the two can never disagree.
public struct ReportTables: Sendable {
    public var runId: String

    public init(runId: String) {
        self.runId = runId
    }

    public static let pendingColumns = ["provider", "trans_id", "currency", "since"]

    public func discrepancies(_ result: Reconciliation) -> ReportTable {
        let rows: [[ReportCell]] = result.rows.map { r in
            [.text(runId), .time(r.windowStart), .time(r.windowEnd), .text(r.provider), .text(r.kind.rawValue), .text(r.transId),
             .text(r.memberId), .text(r.currency), .text(r.providerStatus), Self.money(r.providerStake, r.currency),
             Self.money(r.providerNet, r.currency), Self.money(r.ledgerNet, r.currency), Self.money(r.difference, r.currency), .text(r.detail)]
        }
        return ReportTable(name: "Discrepancies", columns: ReportRenderer.discrepancyColumns, rows: rows)
    }

    public func summary(_ result: Reconciliation) -> ReportTable {
        ReportTable(name: "Summary", columns: ReportRenderer.summaryColumns, rows: Self.summaryRows(result))
    }

    public func daily(_ result: Reconciliation) -> ReportTable {
        let rows: [[ReportCell]] = result.daily.keys.sorted().compactMap { key in
            guard let c = result.daily[key] else { return nil }
            return [.day(key.day), .text(key.currency), .integer(c.tickets), .money(c.providerStake, currency: key.currency),
                    .money(c.ledgerStake, currency: key.currency), .money(c.providerNet, currency: key.currency),
                    .money(c.ledgerNet, currency: key.currency), .money(c.ledgerNet - c.providerNet, currency: key.currency)]
        }
        return ReportTable(name: "Daily", columns: ReportRenderer.dailyColumns, rows: rows)
    }

    public func pending(_ result: Reconciliation) -> ReportTable {
        ReportTable(name: "Pending", columns: Self.pendingColumns,
                    rows: result.pending.map { [.text($0.provider), .text($0.transId), .text($0.currency), .time($0.since)] })
    }

    static func money(_ value: Money?, _ currency: String) -> ReportCell {
        value.map { .money($0, currency: currency) } ?? .empty
    }

    /// summary.csv's rows: per currency and kind the count and total difference, pending
    /// per currency, the named record counters, then the control totals per currency.
    static func summaryRows(_ result: Reconciliation) -> [[ReportCell]] {
        struct Key: Hashable, Comparable {
            var currency: String
            var kind: DiscrepancyKind
            static func < (a: Key, b: Key) -> Bool { (a.currency, a.kind.rawValue) < (b.currency, b.kind.rawValue) }
        }
        var byKey: [Key: (Int, Money)] = [:]
        for r in result.rows {
            let k = Key(currency: r.currency, kind: r.kind)
            let prev = byKey[k] ?? (0, 0)
            byKey[k] = (prev.0 + 1, prev.1 + (r.difference ?? 0))
        }
        let blanks = [ReportCell](repeating: .empty, count: 5)
        var rows: [[ReportCell]] = []
        for k in byKey.keys.sorted() {
            guard let (count, total) = byKey[k] else { continue }
            rows.append([.text("discrepancy"), .text(k.currency), .text(k.kind.rawValue), .integer(count), .money(total, currency: k.currency)] + blanks)
        }
        let pendingByCurrency = Dictionary(grouping: result.pending, by: \.currency)
        for currency in pendingByCurrency.keys.sorted() {
            rows.append([.text("pending"), .text(currency), .empty, .integer(pendingByCurrency[currency]?.count ?? 0), .empty] + blanks)
        }
        for name in result.counters.keys.sorted() {
            rows.append([.text("records"), .empty, .text(name), .integer(result.counters[name] ?? 0), .empty] + blanks)
        }
        for currency in result.controls.keys.sorted() {
            guard let c = result.controls[currency] else { continue }
            rows.append([.text("control"), .text(currency), .empty, .integer(c.tickets), .empty,
                         .money(c.providerStake, currency: currency), .money(c.ledgerStake, currency: currency),
                         .money(c.providerNet, currency: currency), .money(c.ledgerNet, currency: currency),
                         .money(c.ledgerNet - c.providerNet, currency: currency)])
        }
        return rows
    }
}
