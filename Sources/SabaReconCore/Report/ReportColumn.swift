/// One column of a report table: the name it has in the CSV header, the JSON key, the
/// workbook's column and the page's table, and how a row gives its cell. A column is
/// written once, here, so the files cannot disagree about what is where.
public struct ReportColumn<Row>: Sendable {
    public let name: String
    /// The row's cell; `runId` is the run's, for the tables that carry it.
    public let cell: @Sendable (_ row: Row, _ runId: String) -> ReportCell

    public init(_ name: String, _ cell: @escaping @Sendable (_ row: Row, _ runId: String) -> ReportCell) {
        self.name = name
        self.cell = cell
    }
}

extension Array {
    /// The header names of a column list.
    public func names<Row>() -> [String] where Element == ReportColumn<Row> { map(\.name) }

    /// One row's cells, in column order.
    public func cells<Row>(_ row: Row, runId: String) -> [ReportCell] where Element == ReportColumn<Row> {
        map { $0.cell(row, runId) }
    }
}
