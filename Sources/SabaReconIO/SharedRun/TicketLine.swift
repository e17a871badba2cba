import Foundation
import SabaReconCore

/// A ticket as one line of text in the shared store: its fields in a fixed order, separated
/// by U+001F. Foundation's JSON coder cost about 30 µs a ticket each way, which at a million
/// tickets outweighed what several workers save; this is a few µs. Text fields are escaped
/// (`\\` and `\x` for the separator); an absent value is an empty field, a present text is
/// prefixed with `=` so that "" and nil stay apart. Dates are Unix seconds as Swift prints
/// them (exact round trip), amounts exact decimals.
enum TicketLine {
    static let separator: Character = "\u{1F}"
    static let separatorByte: UInt8 = 0x1F

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    /// A text field, escaped by scalar (SPEC §6): a combining mark after the separator or the
    /// backslash must not fuse with it into a Character that no longer matches.
    static func field(_ s: String?) -> String {
        guard let s else { return "" }
        // Ids and statuses almost never hold either character: no copy then.
        // NUL too: PostgreSQL's text refuses it, and one outsider's field must not fail a run.
        guard s.utf8.contains(where: { $0 == 0x5C || $0 == separatorByte || $0 == 0 }) else { return "=" + s }
        var out = String.UnicodeScalarView()
        out.append("=")
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out.append("\\"); out.append("\\")
            case "\u{1F}": out.append("\\"); out.append("x")
            case "\u{0}": out.append("\\"); out.append("0")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// The text of a field written by `field`, nil for an absent one; `nil` too (an error to
    /// the caller) for one that does not start with `=`.
    static func text(_ field: Substring) -> String?? {
        guard let first = field.utf8.first else { return .some(nil) }
        guard first == 0x3D else { return nil }
        let body = field.unicodeScalars.dropFirst()
        if !field.utf8.contains(0x5C) { return .some(String(String.UnicodeScalarView(body))) }
        var out = String.UnicodeScalarView()
        var escaped = false
        for scalar in body {
            if escaped {
                out.append(scalar == "x" ? "\u{1F}" : scalar == "0" ? "\u{0}" : scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else {
                out.append(scalar)
            }
        }
        return .some(String(out))
    }

    /// The store's key of a ticket: its trans id escaped as a field is (NUL-free, one
    /// spelling per id; an ordinary id is itself).
    static func key(_ transId: String) -> String { String(String.UnicodeScalarView(field(transId).unicodeScalars.dropFirst())) }

    static func encode(_ t: Ticket) -> String {
        func text(_ s: String?) -> String { field(s) }
        func num<T: CustomStringConvertible>(_ v: T?) -> String { v.map(\.description) ?? "" }
        func money(_ m: Money?) -> String { m?.compact ?? "" }
        func date(_ d: Date?) -> String { d.map { String($0.timeIntervalSince1970) } ?? "" }
        let fields = [
            text(t.transId), text(t.memberId), num(t.eventId), num(t.betType), text(t.parlayTicketNo), money(t.price), money(t.stake),
            date(t.transTime), text(t.status.description), money(t.settlementPrice), String(t.currency), num(t.oddsType),
            t.cashoutEnabled ? "1" : "0", t.alreadyCashout ? "1" : "0", money(t.cashoutPrice), date(t.settlementTime), money(t.maxPayOut),
            String(t.parlayLegs), t.resettles.isEmpty ? "" : text(ResettleText.encode(t.resettles)),
        ]
        return fields.joined(separator: String(separator))
    }

    static func decode(_ line: String) throws -> Ticket {
        // Split on the separator's byte: it is ASCII, so each piece starts and ends on a scalar.
        let f: [Substring] = line.utf8.split(separator: separatorByte, omittingEmptySubsequences: false).map { line[$0.startIndex..<$0.endIndex] }
        guard f.count == 19 else { throw DecodeError(description: "a stored ticket has \(f.count) fields, not 19: \(line.unicodeScalars.prefix(120))") }
        func fail(_ i: Int) -> DecodeError { DecodeError(description: "a stored ticket's field \(i + 1) '\(String(String.UnicodeScalarView(f[i].unicodeScalars.prefix(60))))' is unreadable: \(String(String.UnicodeScalarView(line.unicodeScalars.prefix(120))))") }
        func text(_ i: Int) throws -> String? {
            guard let value = Self.text(f[i]) else { throw fail(i) }
            return value
        }
        func required(_ i: Int) throws -> String { guard let s = try text(i) else { throw fail(i) }; return s }
        func int(_ i: Int) throws -> Int64? { f[i].isEmpty ? nil : try Int64(f[i]).orThrow(fail(i)) }
        func money(_ i: Int) throws -> Money? { f[i].isEmpty ? nil : try Money.parse(f[i]).orThrow(fail(i)) }
        func date(_ i: Int) throws -> Date? { f[i].isEmpty ? nil : Date(timeIntervalSince1970: try Double(f[i]).orThrow(fail(i))) }
        return Ticket(
            transId: try required(0), memberId: try required(1), eventId: try int(2), betType: try int(3), parlayTicketNo: try text(4),
            price: try money(5), stake: try money(6).orThrow(fail(6)), transTime: try date(7).orThrow(fail(7)), status: TicketStatus(try required(8)),
            settlementPrice: try money(9), currency: Int(try int(10).orThrow(fail(10))), oddsType: try int(11), cashoutEnabled: f[12] == "1",
            alreadyCashout: f[13] == "1", cashoutPrice: try money(14), settlementTime: try date(15), maxPayOut: try money(16),
            parlayLegs: Int(try int(17).orThrow(fail(17))), resettles: try ResettleText.decode(try text(18)))
    }
}

private extension Optional {
    func orThrow(_ error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
