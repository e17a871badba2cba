import Foundation

/// One typed cell of a report table, before it becomes CSV text or a workbook cell: the
/// type decides how a reader shows it (an id stays text, money a number, a time a date).
public enum ReportCell: Sendable, Equatable {
    /// Ids and words: always text, whatever they look like (`300000002121`, `0012`).
    case text(String)
    case integer(Int)
    /// An exact amount in its currency (ledger units).
    case money(Money, currency: String)
    /// An instant, shown in UTC.
    case time(Date)
    /// A calendar day (days since 1970-01-01 in the accounting zone).
    case day(Int)
    case empty
}

/// The rows of one report file as typed cells: the same rows the CSV files hold.
public struct ReportTable: Sendable, Equatable {
    public var name: String
    public var columns: [String]
    public var rows: [[ReportCell]]

    public init(name: String, columns: [String], rows: [[ReportCell]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }
}
