import Foundation

/// Turns the report tables into a `Workbook` (SPEC §8): ids stay text, money becomes numbers
/// with the currency's decimals, times become UTC date cells, widths fit the content.
public struct WorkbookBuilder: Sendable {
    /// Rows one sheet holds in Excel and LibreOffice (header included).
    public static let sheetRowLimit = 1_048_576
    /// A double carries 15 significant decimal digits exactly; longer amounts stay text.
    static let exactDigits = 15

    /// Where each sheet's rows are all kept when a sheet cannot hold them.
    static let fullFile = ["Discrepancies": "discrepancies.csv", "Summary": "summary.csv", "Daily": "daily.csv", "Pending": "discrepancies.json", "Breaks": "breaks.csv"]

    public var context: ReportContext
    public var sheetRowLimit: Int

    public init(context: ReportContext, sheetRowLimit: Int = WorkbookBuilder.sheetRowLimit) {
        self.context = context
        self.sheetRowLimit = sheetRowLimit
    }

    /// `breaks`: breaks.csv's table, a sheet of its own with the break book on (SPEC §9).
    public func build(discrepancies: ReportTable, summary: ReportTable, daily: ReportTable, pending: ReportTable, breaks: ReportTable? = nil) -> Workbook {
        let decimals = CurrencyDecimals.table(for: [discrepancies, summary, daily, pending] + (breaks.map { [$0] } ?? []))
        let range = "\(UTCTime.iso(context.rangeStart)) .. \(UTCTime.iso(context.rangeEnd))"
        var preamble: [Workbook.Pair] = [
            .init(name: "Run", value: context.runId),
            .init(name: "Range (UTC)", value: range),
            .init(name: "Now (UTC)", value: UTCTime.iso(context.now)),
            .init(name: "Outcome", value: context.outcome.rawValue),
            .init(name: "Exit status", value: String(context.exitStatus)),
            .init(name: "Discrepancies", value: String(discrepancies.rows.count)),
            .init(name: "Tool", value: "saba-recon \(context.toolVersion)"),
        ]
        if let basedOn = context.basedOn { preamble.append(.init(name: "Based on", value: basedOn)) }
        if let note = context.note { preamble.append(.init(name: "Note", value: note)) }
        let properties = Workbook.Properties(
            title: "saba-recon discrepancies \(context.runId)",
            subject: "Saba bets against the wallet ledger, \(range)",
            comments: "Outcome \(context.outcome.rawValue), exit status \(context.exitStatus). Amounts in ledger units; times in UTC.",
            created: context.now,
            custom: [.init(name: "run_id", value: context.runId), .init(name: "range", value: range),
                     .init(name: "outcome", value: context.outcome.rawValue), .init(name: "exit_status", value: String(context.exitStatus))])
        return Workbook(properties: properties, sheets: [
            sheet(discrepancies, decimals: decimals),
            sheet(summary, decimals: decimals, preamble: preamble),
            sheet(daily, decimals: decimals),
            sheet(pending, decimals: decimals),
        ] + (breaks.map { [sheet($0, decimals: decimals)] } ?? []))
    }

    func sheet(_ table: ReportTable, decimals: [String: Int], preamble: [Workbook.Pair] = []) -> Workbook.Sheet {
        // Times are date cells in UTC: the header says so.
        let columns = table.columns.map { ["window_start", "window_end", "since", "resolved_at"].contains($0) ? "\($0) (UTC)" : $0 }
        let headerRow = preamble.isEmpty ? 0 : preamble.count + 1
        let room = max(0, sheetRowLimit - headerRow - 1)
        var rows = table.rows
        var truncated: String?
        if rows.count > room {
            let kept = max(0, room - 1)
            truncated = "\(rows.count - kept) more rows than a sheet holds: all \(rows.count) are in \(Self.fullFile[table.name] ?? "the CSV files")"
            rows = Array(rows.prefix(kept))
        }
        let cells = rows.map { $0.map { cell($0, decimals: decimals) } }
        var widths = columns.map { $0.count }
        for row in cells {
            for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], Self.displayWidth(c)) }
        }
        let fitted = zip(columns, widths).map { Workbook.Column(title: $0, width: min(60, max(8, $1 + 2))) }
        return Workbook.Sheet(name: table.name, preamble: preamble, columns: fitted, rows: cells, truncated: truncated)
    }

    func cell(_ cell: ReportCell, decimals: [String: Int]) -> Workbook.Cell {
        switch cell {
        case .text(let s): return .text(Self.fitted(s))
        case .integer(let n): return .integer(n)
        case .time(let d): return .dateTime(d)
        case .day(let d): return .date(d)
        case .empty: return .blank
        case .money(let m, let currency):
            let places = decimals[currency] ?? CurrencyDecimals.minorUnits(of: currency)
            let text = m.plain(minFractionDigits: 0)
            guard Self.significantDigits(text) <= Self.exactDigits, let value = Double(text) else { return .text(m.plain(minFractionDigits: places)) }
            return .number(value, decimals: places)
        }
    }

    /// Characters one cell holds (Excel's limit, in UTF-16 units; libxlsxwriter refuses more).
    public static let cellTextLimit = 32_767

    /// A text longer than a cell holds, cut with a visible marker (SPEC §6): one outsider's
    /// 40,000-character field must not fail the workbook, and with it the night. The CSV and
    /// JSON files keep the whole text.
    static func fitted(_ text: String) -> String {
        guard text.utf16.count > cellTextLimit else { return text }
        let scalars = text.unicodeScalars.count
        let marker = " … [cut: \(Self.grouped(scalars)) characters; the whole text is in the CSV and JSON files]"
        let room = cellTextLimit - marker.utf16.count
        var kept = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let width = scalar.utf16.count
            guard used + width <= room else { break }
            kept.append(scalar)
            used += width
        }
        return String(kept) + marker
    }

    /// 40000 -> "40,000".
    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func significantDigits(_ plain: String) -> Int {
        let digits = plain.utf8.filter { $0 >= 48 && $0 <= 57 }.drop { $0 == 48 }
        return digits.count
    }

    /// Characters the cell takes when shown (numbers with their thousands separators).
    static func displayWidth(_ cell: Workbook.Cell) -> Int {
        switch cell {
        case .text(let s): return min(s.count, 100)
        case .integer(let n): return String(n).count
        case .number(let v, let places):
            let whole = String(Int64(abs(v).rounded(.down))).count
            return whole + (whole - 1) / 3 + (places > 0 ? places + 1 : 0) + (v < 0 ? 1 : 0)
        case .dateTime: return 19
        case .date: return 10
        case .blank: return 0
        }
    }
}
