/// A CSV file read back (RFC 4180): quoted cells with doubled quotes, CRLF or LF line ends,
/// a leading byte order mark. Cells are found by their header's name, never by position, so
/// a column added to a report (or moved by a spreadsheet) does not shift what a reader takes.
/// Read on Unicode scalars: a combining mark after a quote or comma never hides it.
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// 1-based line of the file where the problem is.
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// `maxRows`: more data rows than this is an error, not an unbounded read.
    public init(parsing text: String, maxRows: Int = 10_000_000) throws {
        var records: [[String]] = []
        var record: [String] = []
        var cell = String.UnicodeScalarView()
        var quoted = false, afterQuote = false, cellStarted = false
        var line = 1, recordLine = 1
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        func endCell() {
            record.append(String(cell))
            cell = String.UnicodeScalarView()
            afterQuote = false
            cellStarted = false
        }
        func endRecord() throws {
            endCell()
            // A blank line between records is skipped (a trailing newline, an editor's last line).
            if !(record.count == 1 && record[0].isEmpty) {
                guard records.count <= maxRows else { throw Invalid(line: recordLine, message: "more than \(maxRows) rows") }
                records.append(record)
            }
            record = []
        }
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let c = scalars[index]
            index = scalars.index(after: index)
            if quoted {
                if c == "\"" {
                    if index < scalars.endIndex, scalars[index] == "\"" {
                        cell.append("\"")
                        index = scalars.index(after: index)
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    cell.append(c)
                }
                continue
            }
            switch c {
            case ",":
                endCell()
            case "\r" where index < scalars.endIndex && scalars[index] == "\n":
                continue
            case "\n", "\r":
                try endRecord()
                line += 1
                recordLine = line
            case "\"" where !cellStarted && cell.isEmpty && !afterQuote:
                quoted = true
                cellStarted = true
            default:
                guard !afterQuote else { throw Invalid(line: line, message: "text after a closing quote") }
                cell.append(c)
                cellStarted = true
            }
        }
        guard !quoted else { throw Invalid(line: recordLine, message: "a quoted cell is not closed") }
        if cellStarted || !cell.isEmpty || !record.isEmpty { try endRecord() }
        guard let first = records.first else { throw Invalid(line: 1, message: "no header line") }
        header = first
        rows = Array(records.dropFirst())
    }

    /// The column of a header name (the first, if named twice).
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// A row's cell under `name`; nil when there is no such column or the row is short.
    public func cell(_ row: [String], _ name: String) -> String? {
        guard let i = column(name), i < row.count else { return nil }
        return row[i]
    }

    /// The cells of every row under `name`.
    public func values(_ name: String) -> [String] {
        rows.map { cell($0, name) ?? "" }
    }
}
