import Foundation

/// RFC 4180 rendering: CRLF line ends, quoting where needed, and the spreadsheet
/// formula guard on text cells only (numbers are never altered).
public enum CSVCell: Sendable {
    case text(String)
    case number(String)
}

public enum CSVWriter {
    public static let lineEnd = "\r\n"
    public static let byteOrderMark = "\u{FEFF}"

    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    public static func line(_ cells: [CSVCell]) -> String {
        cells.map(render).joined(separator: ",") + lineEnd
    }

    public static func header(_ names: [String]) -> String {
        line(names.map { .text($0) })
    }

    public static func render(_ cell: CSVCell) -> String {
        switch cell {
        case .number(let n):
            return n
        case .text(let raw):
            var s = raw
            // By scalar: Swift reads "\r\n" as one Character, which would slip past a Character check.
            if let first = s.unicodeScalars.first, formulaStarts.contains(first) { s = "'" + s }
            if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
                return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return s
        }
    }
}
