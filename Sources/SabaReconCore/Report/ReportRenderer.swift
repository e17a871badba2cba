import Foundation

/// Pure rendering of the report files (SPEC §4). Writers put the bytes on disk.
public struct ReportRenderer: Sendable {
    public var runId: String
    /// A UTF-8 byte order mark first, for Excel.
    public var byteOrderMark: Bool
    /// The break book's annotations of the rows (`ReportTables.annotations`).
    public var annotations: [BreakBook.Annotation]?

    public init(runId: String, byteOrderMark: Bool = false, annotations: [BreakBook.Annotation]? = nil) {
        self.runId = runId
        self.byteOrderMark = byteOrderMark
        self.annotations = annotations
    }

    /// The control totals per accounting day and currency, for tying each day to the
    /// provider's daily statement; per currency the days add up to summary.csv's controls.
    public func dailyCSV(_ result: Reconciliation) -> String {
        csv(ReportTables(runId: runId).daily(result))
    }

    public func discrepanciesCSV(_ result: Reconciliation) -> String {
        csv(ReportTables(runId: runId, annotations: annotations).discrepancies(result))
    }

    /// One CSV file from its typed table: the workbook and the page read the same rows.
    public func csv(_ table: ReportTable) -> String {
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
        case .integer, .money: .number(plainText(cell))
        case .text, .time, .day, .empty: .text(plainText(cell))
        }
    }

    /// One discrepancy in discrepancies.json: every column under its name (money as the exact
    /// decimal in a string; an empty money cell left out), then the fields that differ and
    /// the ledger rows involved.
    enum JSONCell: Encodable {
        case text(String)
        case fields([FieldDifference])
        case ids([String])

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .text(let s): try c.encode(s)
            case .fields(let f): try c.encode(f)
            case .ids(let i): try c.encode(i)
            }
        }
    }

    func jsonRow(_ r: Discrepancy, _ annotation: BreakBook.Annotation?) -> [String: JSONCell] {
        var row = jsonObject(ReportColumns.discrepancies, r)
        if let annotation { row.merge(jsonObject(ReportColumns.breaks, annotation)) { a, _ in a } }
        row["fields"] = .fields(r.fields)
        row["ledger_entry_ids"] = .ids(r.ledgerEntryIds)
        return row
    }

    /// A row as a JSON object of its columns; an empty cell is left out.
    func jsonObject<Row>(_ columns: [ReportColumn<Row>], _ row: Row) -> [String: JSONCell] {
        var object: [String: JSONCell] = [:]
        for column in columns {
            if let text = jsonText(column.cell(row, runId)) { object[column.name] = .text(text) }
        }
        return object
    }

    /// A cell in JSON: a string (money as its exact decimal), nil for an empty one.
    func jsonText(_ cell: ReportCell) -> String? {
        switch cell {
        case .empty: nil
        default: Self.plainText(cell)
        }
    }

    /// A cell as plain text: money as its exact decimal, times ISO 8601 UTC, days as dates.
    static func plainText(_ cell: ReportCell) -> String {
        switch cell {
        case .text(let s): s
        case .integer(let n): String(n)
        case .money(let m, _): Money.format(m)
        case .time(let d): UTCTime.iso(d)
        case .day(let day): MatchPolicy.dayText(day)
        case .empty: ""
        }
    }

    struct JSONDocument: Encodable {
        var run_id: String
        var discrepancy_count: Int
        var discrepancies: [[String: JSONCell]]
        var pending: [[String: JSONCell]]
    }

    /// Money in JSON is a string holding the exact decimal, so no reader turns it into a float.
    public func discrepanciesJSON(_ result: Reconciliation) throws -> Data {
        let annotated = annotations.flatMap { $0.count == result.rows.count ? $0 : nil }
        let rows = result.rows.enumerated().map { jsonRow($1, annotated?[$0]) }
        let pending = result.pending.map { jsonObject(ReportColumns.pending, $0) }
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
