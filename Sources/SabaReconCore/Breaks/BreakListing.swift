import Foundation

/// `breaks list` (SPEC §9): the book's breaks, filtered, as a table, CSV or JSON. Pure.
public struct BreakListing: Sendable {
    public static let columns = ["break_id", "provider", "kind", "trans_id", "currency", "break_status", "first_seen", "last_seen",
                                 "age_days", "last_difference", "note"]

    public struct Filter: Sendable {
        /// `new`, `open`, `changed`, `reopened`, `acknowledged`, `resolved`; empty: all.
        public var statuses: Set<String> = []
        public var kind: String?
        public var provider: String?
        public var currency: String?
        /// Only breaks first seen more than this many days ago.
        public var olderThan: Int?
        public init() {}
    }

    public var rows: [[ReportCell]]

    /// The book's breaks that pass `filter`, oldest first, then by provider, kind and trans id.
    public init(_ book: BreakBook, filter: Filter, today: Int) {
        let kept = book.breaks.values.filter { r in
            let status = Self.status(r)
            return (filter.statuses.isEmpty || filter.statuses.contains(status))
                && filter.kind.map { $0 == r.key.kind.rawValue } ?? true
                && filter.provider.map { $0 == r.key.provider } ?? true
                && filter.currency.map { $0 == r.currency } ?? true
                && filter.olderThan.map { today - r.firstSeen > $0 } ?? true
        }.sorted { a, b in
            (a.firstSeen, a.key.provider, a.key.kind.rawValue, a.key.transId) < (b.firstSeen, b.key.provider, b.key.kind.rawValue, b.key.transId)
        }
        rows = kept.map { r in
            [.text(r.breakId), .text(r.key.provider), .text(r.key.kind.rawValue), .text(r.key.transId), .text(r.currency), .text(Self.status(r)),
             .day(r.firstSeen), .day(r.lastSeen), .integer(max(0, (r.isResolved ? r.lastSeen : today) - r.firstSeen)),
             r.lastDifference.map { .money($0, currency: r.currency) } ?? .empty, .text(Self.note(r))]
        }
    }

    /// The standing `list` shows: `resolved`, `acknowledged` while an acknowledgement holds, else the last run's.
    public static func status(_ r: BreakRecord) -> String {
        if r.isResolved { return "resolved" }
        if r.acknowledgement != nil { return BreakStatus.acknowledged.rawValue }
        return r.status.rawValue
    }

    static func note(_ r: BreakRecord) -> String {
        if let at = r.resolvedAt { return "resolved at \(UTCTime.iso(at)) by run \(r.resolvedBy ?? "?")" }
        return BreakBook.note(r)
    }

    public var table: ReportTable { ReportTable(name: "Breaks", columns: Self.columns, rows: rows) }

    public func csv() -> String { ReportRenderer(runId: "").csv(table) }

    public func json() throws -> Data {
        let renderer = ReportRenderer(runId: "")
        let objects = rows.map { row in
            Dictionary(uniqueKeysWithValues: zip(Self.columns, row).compactMap { name, cell in renderer.jsonText(cell).map { (name, $0) } })
        }
        return try ReportRenderer.encode(["breaks": objects])
    }

    /// Columns padded for a terminal; each cell escaped as the CSV is (no control characters).
    public func text() -> String {
        let cells = [Self.columns] + rows.map { $0.map { SecretText.escapeControls(ReportRenderer.plainText($0)) } }
        var widths = [Int](repeating: 0, count: Self.columns.count)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = min(60, max(widths[i], c.unicodeScalars.count)) } }
        return cells.map { row in
            row.enumerated().map { i, c in
                let shown = c.unicodeScalars.count > 60 ? String(String.UnicodeScalarView(c.unicodeScalars.prefix(59))) + "…" : c
                return shown + String(repeating: " ", count: max(0, widths[i] - shown.unicodeScalars.count))
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
