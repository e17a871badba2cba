import Foundation

/// The report files' rows as typed tables (SPEC §4): what discrepancies.csv, summary.csv,
/// daily.csv and the pending list hold, for the workbook and the HTML page. summary.csv
/// is rendered from the same summary rows, so the two can never disagree.
public struct ReportTables: Sendable {
    public var runId: String
    /// The break book's word on each discrepancy, in the rows' order (SPEC §9): five columns
    /// after `detail`. Nil: the book is off, and the fourteen columns stand alone.
    public var annotations: [BreakBook.Annotation]?

    public init(runId: String, annotations: [BreakBook.Annotation]? = nil) {
        self.runId = runId
        self.annotations = annotations
    }

    public func discrepancies(_ result: Reconciliation) -> ReportTable {
        let columns = ReportColumns.discrepancies
        guard let annotations, annotations.count == result.rows.count else {
            return ReportTable(name: "Discrepancies", columns: columns.names(), rows: result.rows.map { columns.cells($0, runId: runId) })
        }
        let book = ReportColumns.breaks
        return ReportTable(name: "Discrepancies", columns: columns.names() + book.names(),
                           rows: zip(result.rows, annotations).map { columns.cells($0, runId: runId) + book.cells($1, runId: runId) })
    }

    public func summary(_ result: Reconciliation) -> ReportTable {
        ReportTable(name: "Summary", columns: ReportColumns.summary, rows: Self.summaryRows(result))
    }

    public func daily(_ result: Reconciliation) -> ReportTable {
        let columns = ReportColumns.daily
        let rows: [[ReportCell]] = result.daily.keys.sorted().compactMap { key in
            result.daily[key].map { columns.cells(ReportColumns.Day(key: key, totals: $0), runId: runId) }
        }
        return ReportTable(name: "Daily", columns: columns.names(), rows: rows)
    }

    public func pending(_ result: Reconciliation) -> ReportTable {
        let columns = ReportColumns.pending
        return ReportTable(name: "Pending", columns: columns.names(), rows: result.pending.map { columns.cells($0, runId: runId) })
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
