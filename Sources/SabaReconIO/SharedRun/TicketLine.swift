import Foundation
import SabaReconCore

/// A ticket as one line of text in the shared store: its fields in a fixed order, separated
/// by U+001F. Foundation's JSON coder cost about 30 µs a ticket each way, which at a million
/// tickets outweighed what several workers save; this is a few µs. Text fields are escaped
/// (`\\` and `\x` for the separator, `\0` for NUL); an absent value is an empty field, a present text is
/// prefixed with `=` so that "" and nil stay apart. Dates are Unix seconds as Swift prints
/// them (exact round trip), amounts exact decimals.
enum TicketLine {
    static let separatorByte: UInt8 = 0x1F

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    /// A text field: escaped on bytes (SPEC §6: never on Characters, where a combining mark
    /// after the separator or the backslash would fuse with it). The three escaped bytes are
    /// ASCII, never part of a longer scalar's bytes. NUL too: PostgreSQL's text refuses it,
    /// and one outsider's field must not fail a run.
    static func appendField(_ s: String?, to out: inout [UInt8]) {
        guard let s else { return }
        out.append(0x3D)
        for b in s.utf8 {
            switch b {
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case separatorByte: out.append(0x5C); out.append(0x78)
            case 0: out.append(0x5C); out.append(0x30)
            default: out.append(b)
            }
        }
    }

    /// One line per ticket, built byte by byte (a publisher decodes a million of them while
    /// the ledger is read: String pieces joined and split cost 14 µs a ticket).
    static func encode(_ t: Ticket) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func sep() { out.append(separatorByte) }
        func text(_ s: String?) { appendField(s, to: &out) }
        func num<T: BinaryInteger>(_ v: T?) { if let v { out.append(contentsOf: String(v).utf8) } }
        func money(_ m: Money?) { m?.appendPlain(minFractionDigits: 0, to: &out) }
        func date(_ d: Date?) { if let d { out.append(contentsOf: String(d.timeIntervalSince1970).utf8) } }
        text(t.transId); sep(); text(t.memberId); sep(); num(t.eventId); sep(); num(t.betType); sep(); text(t.parlayTicketNo); sep()
        money(t.price); sep(); money(t.stake); sep(); date(t.transTime); sep(); text(t.status.description); sep()
        money(t.settlementPrice); sep(); num(t.currency); sep(); num(t.oddsType); sep()
        out.append(t.cashoutEnabled ? 0x31 : 0x30); sep(); out.append(t.alreadyCashout ? 0x31 : 0x30); sep()
        money(t.cashoutPrice); sep(); date(t.settlementTime); sep(); money(t.maxPayOut); sep(); num(t.parlayLegs); sep()
        if !t.resettles.isEmpty { text(ResettleText.encode(t.resettles)) }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ line: String) throws -> Ticket {
        var bytes = line
        return try bytes.withUTF8 { try decode(bytes: $0, line: line) }
    }

    /// Reads the 19 fields straight from the line's bytes (`line` only for error messages).
    private static func decode(bytes b: UnsafeBufferPointer<UInt8>, line: String) throws -> Ticket {
        var bounds: [Range<Int>] = []
        bounds.reserveCapacity(19)
        var from = 0
        for i in 0..<b.count where b[i] == separatorByte {
            bounds.append(from..<i)
            from = i + 1
        }
        bounds.append(from..<b.count)
        guard bounds.count == 19 else { throw DecodeError(description: "a stored ticket has \(bounds.count) fields, not 19: \(line.unicodeScalars.prefix(120))") }
        func bytes(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: b[bounds[i]]) }
        func fail(_ i: Int) -> DecodeError {
            let field = String(decoding: bytes(i), as: UTF8.self)
            return DecodeError(description: "a stored ticket's field \(i + 1) '\(String(String.UnicodeScalarView(field.unicodeScalars.prefix(60))))' is unreadable: \(String(String.UnicodeScalarView(line.unicodeScalars.prefix(120))))")
        }
        func text(_ i: Int) throws -> String? {
            let f = bytes(i)
            guard let first = f.first else { return nil }
            guard first == 0x3D else { throw fail(i) }
            let body = UnsafeBufferPointer(rebasing: f.dropFirst())
            guard body.contains(0x5C) else { return String(decoding: body, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(body.count)
            var escaped = false
            for c in body {
                if escaped {
                    out.append(c == 0x78 ? separatorByte : c == 0x30 ? 0 : c)
                    escaped = false
                } else if c == 0x5C {
                    escaped = true
                } else {
                    out.append(c)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        func required(_ i: Int) throws -> String { guard let s = try text(i) else { throw fail(i) }; return s }
        func int(_ i: Int) throws -> Int64? {
            let f = bytes(i)
            guard !f.isEmpty else { return nil }
            guard let v = Self.integer(f) else { throw fail(i) }
            return v
        }
        func money(_ i: Int) throws -> Money? {
            let f = bytes(i)
            guard !f.isEmpty else { return nil }
            guard let m = Money.parse(bytes: f) else { throw fail(i) }
            return m
        }
        func date(_ i: Int) throws -> Date? {
            let f = bytes(i)
            guard !f.isEmpty else { return nil }
            guard let seconds = Self.seconds(f) else { throw fail(i) }
            return Date(timeIntervalSince1970: seconds)
        }
        func flag(_ i: Int) -> Bool { bounds[i].count == 1 && b[bounds[i].lowerBound] == 0x31 }
        return Ticket(
            transId: try required(0), memberId: try required(1), eventId: try int(2), betType: try int(3), parlayTicketNo: try text(4),
            price: try money(5), stake: try money(6).orThrow(fail(6)), transTime: try date(7).orThrow(fail(7)), status: TicketStatus(try required(8)),
            settlementPrice: try money(9), currency: Int(try int(10).orThrow(fail(10))), oddsType: try int(11), cashoutEnabled: flag(12),
            alreadyCashout: flag(13), cashoutPrice: try money(14), settlementTime: try date(15), maxPayOut: try money(16),
            parlayLegs: Int(try int(17).orThrow(fail(17))), resettles: try ResettleText.decode(try text(18)))
    }

    /// A decimal integer (an optional sign, then digits); nil for anything else or past 64 bits.
    static func integer(_ f: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let negative = f.first == 0x2D
        if negative || f.first == 0x2B { i = 1 }
        guard i < f.count else { return nil }
        var v: Int64 = 0
        while i < f.count {
            let d = f[i] &- 0x30
            guard d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            v = a
            i += 1
        }
        return v
    }

    /// Unix seconds as `String(Double)` wrote them, exactly. Digits with at most one point and
    /// at most 15 significant digits are one exact integer divided by an exact power of ten,
    /// which IEEE division rounds correctly; anything else (an exponent, more digits) goes
    /// through the standard library's parser.
    static func seconds(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        var mantissa: Int64 = 0
        var digits = 0
        var fraction = -1
        var i = 0
        let negative = f.first == 0x2D
        if negative { i = 1 }
        var fast = i < f.count
        while fast && i < f.count {
            let c = f[i]
            if c == 0x2E && fraction < 0 {
                fraction = 0
            } else if c &- 0x30 <= 9 {
                if mantissa > 0 || c != 0x30 { digits += 1 }
                mantissa = mantissa &* 10 &+ Int64(c &- 0x30)
                if fraction >= 0 { fraction += 1 }
            } else {
                fast = false
            }
            i += 1
        }
        if fast && digits <= 15 && fraction != 0 && fraction <= 15 {
            let value = Double(mantissa) / Self.powersOfTen[max(fraction, 0)]
            return negative ? -value : value
        }
        return Double(String(decoding: f, as: UTF8.self))
    }

    /// 10^0 through 10^15, each exact in a Double.
    private static let powersOfTen: [Double] = (0...15).map { k in (0..<k).reduce(1.0) { x, _ in x * 10 } }
}

private extension Optional {
    func orThrow(_ error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
