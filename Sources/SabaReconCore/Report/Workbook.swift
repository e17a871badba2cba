import Foundation

/// `discrepancies.xlsx` as plain values (SPEC §8): sheets of typed cells with their column
/// widths and number formats decided. Built by `WorkbookBuilder` with no I/O; written by
/// the libxlsxwriter writer at the edge.
public struct Workbook: Sendable, Equatable {
    public struct Properties: Sendable, Equatable {
        public var title: String
        public var subject: String
        public var comments: String
        /// Fixed to the run's `now`, so the same inputs give the same bytes.
        public var created: Date
        /// Name/value pairs stored as custom document properties.
        public var custom: [Pair]
    }

    public struct Pair: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public enum Cell: Sendable, Equatable {
        case text(String)
        case integer(Int)
        /// An amount as a spreadsheet number with `decimals` shown (`#,##0.00`).
        case number(Double, decimals: Int)
        /// An instant, UTC, shown `yyyy-mm-dd hh:mm:ss`.
        case dateTime(Date)
        /// A day (days since 1970-01-01), shown `yyyy-mm-dd`.
        case date(Int)
        case blank
    }

    public struct Column: Sendable, Equatable {
        public var title: String
        /// In characters, as spreadsheets measure them.
        public var width: Int
    }

    public struct Sheet: Sendable, Equatable {
        public var name: String
        /// Rows above the table (the run's header block on Summary), label and value.
        public var preamble: [Pair]
        public var columns: [Column]
        public var rows: [[Cell]]
        /// Set when the table had more rows than a sheet holds: said in a last row.
        public var truncated: String?

        /// Zero-based row of the table's header (frozen, autofilter from here).
        public var headerRow: Int { preamble.isEmpty ? 0 : preamble.count + 1 }
    }

    public var properties: Properties
    public var sheets: [Sheet]
}
