import Foundation

/// Pure rendering of the report files (SPEC §4). Writers put the bytes on disk.
public struct ReportRenderer: Sendable {
    public var runId: String
    /// A UTF-8 byte order mark first, for Excel.
    public var byteOrderMark: Bool

    public init(runId: String, byteOrderMark: Bool = false) {
        self.runId = runId
        self.byteOrderMark = byteOrderMark
    }

    public static let discrepancyColumns = [
        "run_id", "window_start", "window_end", "provider", "kind", "trans_id", "member_id", "currency",
        "provider_status", "provider_stake", "provider_net", "ledger_net", "difference", "detail",
    ]

    public static let summaryColumns = [
        "section", "currency", "kind", "count", "total_difference",
        "provider_stake", "ledger_stake", "provider_net", "ledger_net", "net_difference",
    ]

    public static let dailyColumns = [
        "date", "currency", "tickets", "provider_stake", "ledger_stake", "provider_net", "ledger_net", "net_difference",
    ]

    /// The control totals per accounting day and currency, for tying each day to the
    /// provider's daily statement; per currency the days add up to summary.csv's controls.
    public func dailyCSV(_ result: Reconciliation) -> String {
        csv(ReportTables(runId: runId).daily(result))
    }

    public func discrepanciesCSV(_ result: Reconciliation) -> String {
        csv(ReportTables(runId: runId).discrepancies(result))
    }

    /// One CSV file from its typed table: the workbook and the page read the same rows.
    func csv(_ table: ReportTable) -> String {
        var out = byteOrderMark ? CSVWriter.byteOrderMark : ""
        out += CSVWriter.header(table.columns)
        for row in table.rows { out += CSVWriter.line(row.map(Self.csvCell)) }
        return out
    }

    public func summaryCSV(_ result: Reconciliation) -> String {
        csv(ReportTables(runId: runId).summary(result))
    }

    /// A typed cell as CSV text: numbers plain, times ISO 8601 UTC, days as dates.
    static func csvCell(_ cell: ReportCell) -> CSVCell {
        switch cell {
        case .text(let s): return .text(s)
        case .integer(let n): return .number(String(n))
        case .money(let m, _): return .number(Money.format(m))
        case .time(let d): return .text(UTCTime.iso(d))
        case .day(let day): return .text(MatchPolicy.dayText(day))
        case .empty: return .text("")
        }
    }

    struct JSONRow: Encodable {
        var run_id: String
        var window_start: String
        var window_end: String
        var provider: String
        var kind: String
        var trans_id: String
        var member_id: String
        var currency: String
        var provider_status: String
        var provider_stake: String?
        var provider_net: String?
        var ledger_net: String?
        var difference: String?
        var detail: String
        var fields: [FieldDifference]
        var ledger_entry_ids: [String]
    }

    struct JSONPending: Encodable {
        var provider: String
        var trans_id: String
        var currency: String
        var since: String
    }

    struct JSONDocument: Encodable {
        var run_id: String
        var discrepancy_count: Int
        var discrepancies: [JSONRow]
        var pending: [JSONPending]
    }

    /// Money in JSON is a string holding the exact decimal, so no reader turns it into a float.
    public func discrepanciesJSON(_ result: Reconciliation) throws -> Data {
        let rows = result.rows.map { r in
            JSONRow(run_id: runId, window_start: UTCTime.iso(r.windowStart), window_end: UTCTime.iso(r.windowEnd),
                    provider: r.provider, kind: r.kind.rawValue, trans_id: r.transId, member_id: r.memberId, currency: r.currency,
                    provider_status: r.providerStatus, provider_stake: r.providerStake.map { Money.format($0) },
                    provider_net: r.providerNet.map { Money.format($0) }, ledger_net: r.ledgerNet.map { Money.format($0) },
                    difference: r.difference.map { Money.format($0) }, detail: r.detail, fields: r.fields, ledger_entry_ids: r.ledgerEntryIds)
        }
        let pending = result.pending.map { JSONPending(provider: $0.provider, trans_id: $0.transId, currency: $0.currency, since: UTCTime.iso($0.since)) }
        return try Self.encode(JSONDocument(run_id: runId, discrepancy_count: rows.count, discrepancies: rows, pending: pending))
    }

    /// Deterministic JSON: sorted keys, two-space indent, trailing newline.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}
