import Foundation
import SabaReconCore

/// A staged ticket's fields in one blob (`tickets.body` of `run.sqlite`): nineteen columns
/// cost SQLite a bound value, a register and a record field each, and the walk a column
/// read each, per ticket. Exact: money as Int128 units, times as Float64 bits.
///
/// Format: a version byte (1); a little-endian UInt16 of flags saying which optional values
/// follow and the two cash-out booleans; stake, trans_time, currency, parlay legs; then,
/// when present, event_id, bet_type, odds_type, price, settlement_price, cashout_price,
/// max_payout, settlement_time; then texts: member_id, status, parlay_ticket_no when
/// present; last the count of resettles, each a flags byte (a date, balanceChange), its
/// date when present, reSettlePrice and status. Integers and counts are LEB128 varints
/// (integers zigzagged); money is a varint of zigzagged whole millionths shifted left once
/// (every real amount), or a 1 byte and the 16 little-endian bytes of its units; times are
/// the 8 little-endian bytes of a Float64; a text is a varint byte count and its UTF-8.
/// Compact, because a bigger row costs SQLite more pages than the columns saved.
enum TicketRecord {
    static let version: UInt8 = 1

    private enum Flag: UInt16 {
        case eventId = 1, betType = 2, oddsType = 4, price = 8, settlementPrice = 16, cashoutPrice = 32
        case maxPayOut = 64, settlementTime = 128, parlayTicketNo = 256, cashoutEnabled = 512, alreadyCashout = 1024
    }

    /// Replaces `out` with `t`'s blob (its transId is the row's key, not in the blob).
    static func encode(_ t: Ticket, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var flags: UInt16 = 0
        func flag(_ f: Flag, _ on: Bool) { if on { flags |= f.rawValue } }
        flag(.eventId, t.eventId != nil); flag(.betType, t.betType != nil); flag(.oddsType, t.oddsType != nil)
        flag(.price, t.price != nil); flag(.settlementPrice, t.settlementPrice != nil); flag(.cashoutPrice, t.cashoutPrice != nil)
        flag(.maxPayOut, t.maxPayOut != nil); flag(.settlementTime, t.settlementTime != nil)
        flag(.parlayTicketNo, t.parlayTicketNo != nil); flag(.cashoutEnabled, t.cashoutEnabled); flag(.alreadyCashout, t.alreadyCashout)
        out.append(version)
        put(flags, &out)
        put(t.stake, &out)
        put(t.transTime, &out)
        put(Int64(t.currency), &out)
        put(Int64(t.parlayLegs), &out)
        if let v = t.eventId { put(v, &out) }
        if let v = t.betType { put(v, &out) }
        if let v = t.oddsType { put(v, &out) }
        if let m = t.price { put(m, &out) }
        if let m = t.settlementPrice { put(m, &out) }
        if let m = t.cashoutPrice { put(m, &out) }
        if let m = t.maxPayOut { put(m, &out) }
        if let s = t.settlementTime { put(s, &out) }
        put(t.memberId, &out)
        put(t.status.description, &out)
        if let p = t.parlayTicketNo { put(p, &out) }
        put(UInt32(t.resettles.count), &out)
        for r in t.resettles {
            out.append((r.resettleDate != nil ? 1 : 0) | (r.balanceChange ? 2 : 0))
            if let d = r.resettleDate { put(d, &out) }
            put(r.reSettlePrice, &out)
            put(r.status.description, &out)
        }
    }

    /// The ticket `transId` of this blob; an error naming it and the byte when the blob is
    /// not one this version wrote (a damaged or foreign file).
    static func decode(transId: String, _ bytes: UnsafeRawBufferPointer) throws -> Ticket {
        var r = Reader(bytes: bytes)
        do {
            guard try r.byte() == version else { throw Reader.Damage(what: "an unknown version") }
            let flags = try r.word()
            func has(_ f: Flag) -> Bool { flags & f.rawValue != 0 }
            let stake = try r.money(), transTime = try r.date(), currency = try r.integer(), legs = try r.integer()
            let eventId = has(.eventId) ? try r.integer() : nil
            let betType = has(.betType) ? try r.integer() : nil
            let oddsType = has(.oddsType) ? try r.integer() : nil
            let price = has(.price) ? try r.money() : nil
            let settlementPrice = has(.settlementPrice) ? try r.money() : nil
            let cashoutPrice = has(.cashoutPrice) ? try r.money() : nil
            let maxPayOut = has(.maxPayOut) ? try r.money() : nil
            let settlementTime = has(.settlementTime) ? try r.date() : nil
            let memberId = try r.text(), status = try r.text()
            let parlayTicketNo = has(.parlayTicketNo) ? try r.text() : nil
            var resettles: [Resettle] = []
            for _ in 0..<(try r.count()) {
                let bits = try r.byte()
                let date = bits & 1 != 0 ? try r.date() : nil
                let price = try r.money()
                resettles.append(Resettle(resettleDate: date, balanceChange: bits & 2 != 0, status: TicketStatus(try r.text()), reSettlePrice: price))
            }
            guard r.at == bytes.count else { throw Reader.Damage(what: "bytes after its end") }
            return Ticket(transId: transId, memberId: memberId, eventId: eventId, betType: betType, parlayTicketNo: parlayTicketNo,
                          price: price, stake: stake, transTime: transTime, status: TicketStatus(status),
                          settlementPrice: settlementPrice, currency: Int(truncatingIfNeeded: currency), oddsType: oddsType,
                          cashoutEnabled: has(.cashoutEnabled), alreadyCashout: has(.alreadyCashout), cashoutPrice: cashoutPrice,
                          settlementTime: settlementTime, maxPayOut: maxPayOut, parlayLegs: Int(truncatingIfNeeded: legs),
                          resettles: resettles)
        } catch let damage as Reader.Damage {
            throw RunStoreError("run store: ticket \(transId.prefix(64))'s stored body is damaged at byte \(r.at): \(damage.what)")
        }
    }

    private static func put(_ v: UInt16, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    private static func put(_ v: UInt32, _ out: inout [UInt8]) { putVarint(UInt64(v), &out) }
    private static func put(_ v: Int64, _ out: inout [UInt8]) { putVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)), &out) }
    /// Whole millionths (every real amount) as a zigzag varint, tagged 0 in the low bit;
    /// anything else as its 16 bytes of units, tagged 1.
    private static func put(_ m: Money, _ out: inout [UInt8]) {
        if let micros = m.micros, micros.magnitude < 1 << 61 {
            putVarint(UInt64(bitPattern: (micros << 1) ^ (micros >> 63)) << 1, &out)
        } else {
            out.append(1)
            withUnsafeBytes(of: m.units.littleEndian) { out.append(contentsOf: $0) }
        }
    }
    private static func put(_ d: Date, _ out: inout [UInt8]) {
        withUnsafeBytes(of: d.timeIntervalSince1970.bitPattern.littleEndian) { out.append(contentsOf: $0) }
    }
    private static func put(_ s: String, _ out: inout [UInt8]) {
        put(UInt32(s.utf8.count), &out)
        out.append(contentsOf: s.utf8)
    }
    private static func putVarint(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Reads a blob front to back, every read checked against its end.
    private struct Reader {
        struct Damage: Error { var what: String }
        let bytes: UnsafeRawBufferPointer
        var at = 0

        mutating func take(_ n: Int) throws -> Int {
            guard n <= bytes.count - at else { throw Damage(what: "a field past its end") }
            defer { at += n }
            return at
        }

        mutating func byte() throws -> UInt8 { bytes[try take(1)] }
        mutating func word() throws -> UInt16 { bytes.loadUnaligned(fromByteOffset: try take(2), as: UInt16.self).littleEndian }
        mutating func varint() throws -> UInt64 {
            var v: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                let b = try byte()
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return v }
            }
            throw Damage(what: "a number of more than ten bytes")
        }
        mutating func integer() throws -> Int64 {
            let z = try varint()
            return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
        }
        mutating func money() throws -> Money {
            guard bytes.count > at else { throw Damage(what: "a field past its end") }
            if bytes[at] & 1 == 0 {
                let z = try varint() >> 1
                return Money(micros: Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))))
            }
            at += 1
            return Money(units: bytes.loadUnaligned(fromByteOffset: try take(16), as: Int128.self).littleEndian)
        }
        mutating func date() throws -> Date {
            Date(timeIntervalSince1970: Double(bitPattern: bytes.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self).littleEndian))
        }
        mutating func count() throws -> Int {
            let n = try varint()
            // Every resettle takes at least 3 bytes: a count past what is left is damage, not a loop.
            guard n <= UInt64((bytes.count - at) / 3) else { throw Damage(what: "\(n) resettles in \(bytes.count - at) bytes") }
            return Int(n)
        }
        mutating func text() throws -> String {
            let n = try varint()
            guard n <= UInt64(bytes.count - at) else { throw Damage(what: "a field past its end") }
            let start = try take(Int(n))
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Int(n))]), as: UTF8.self)
        }
    }
}
