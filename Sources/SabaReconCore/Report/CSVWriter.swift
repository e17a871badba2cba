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
            // By scalar and by byte, never by Character: "\r\n" is one Character, and a prepended or
            // combining mark (U+0600, U+0301) fuses with the ',' or '"' beside it into one that is not
            // ',' (SPEC §6). The characters that matter are ASCII, so their bytes are them.
            let guarded = raw.unicodeScalars.first.map { formulaStarts.contains($0) } ?? false
            let needsQuotes = raw.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
            guard needsQuotes else { return guarded ? "'" + raw : raw }
            var out: [UInt8] = [0x22]
            out.reserveCapacity(raw.utf8.count + 8)
            if guarded { out.append(0x27) }
            for byte in raw.utf8 {
                out.append(byte)
                if byte == 0x22 { out.append(0x22) }
            }
            out.append(0x22)
            return String(decoding: out, as: UTF8.self)
        }
    }
}
