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

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    static func encode(_ t: Ticket) -> String {
        func text(_ s: String?) -> String {
            guard let s else { return "" }
            // Ids and statuses almost never hold either character: no copy then.
            guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x1F }) else { return "=" + s }
            return "=" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\u{1F}", with: "\\x")
        }
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
        let f = line.split(separator: separator, omittingEmptySubsequences: false)
        guard f.count == 19 else { throw DecodeError(description: "a stored ticket has \(f.count) fields, not 19: \(line.prefix(120))") }
        func fail(_ i: Int) -> DecodeError { DecodeError(description: "a stored ticket's field \(i + 1) '\(f[i].prefix(60))' is unreadable: \(line.prefix(120))") }
        func text(_ i: Int) throws -> String? {
            let s = f[i]
            if s.isEmpty { return nil }
            guard s.first == "=" else { throw fail(i) }
            if !s.utf8.contains(0x5C) { return String(s.dropFirst()) }
            var out = "", escaped = false
            for c in s.dropFirst() {
                if escaped { out.append(c == "x" ? separator : c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
            }
            return out
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
