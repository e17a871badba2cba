import Foundation

/// The ticket decoder's fast path: reads one ticket object straight from its bytes, with no
/// intermediate JSON tree, picking out the fields reconciliation needs and skipping the rest.
/// It returns nil for anything it does not handle plainly (an escaped key, a string where a
/// number belongs, a number beyond 18 digits, malformed JSON); the caller then decodes the
/// object on the general path, which gives the same ticket or the located error.
enum TicketFastParser {
    enum Field: UInt8 {
        case transId, memberId, eventId, betType, parlayTicketNo, price, stake, transTime, status, settlementPrice
        case currency, oddsType, cashoutEnabled, alreadyCashout, cashoutPrice, parlayInfo, resettles, settlementTime, maxPayOut
        case resettleDate, balanceChange, reSettlePrice
    }

    static let ticketFields: [String: Field] = [
        "transId": .transId, "memberId": .memberId, "eventId": .eventId, "betType": .betType, "parlayTicketNo": .parlayTicketNo,
        "price": .price, "stake": .stake, "transTime": .transTime, "status": .status, "settlementPrice": .settlementPrice,
        "currency": .currency, "oddsType": .oddsType, "cashoutEnabled": .cashoutEnabled, "alreadyCashout": .alreadyCashout,
        "cashoutPrice": .cashoutPrice, "parlayInfo": .parlayInfo, "resettles": .resettles, "settlementTime": .settlementTime,
        "maxPayOut": .maxPayOut,
    ]
    static let resettleFields: [String: Field] = [
        "resettleDate": .resettleDate, "balanceChange": .balanceChange, "status": .status, "reSettlePrice": .reSettlePrice,
    ]

    /// Key lookup: a dictionary keyed by length and the first seven bytes, verified byte for
    /// byte. FNV-style mixing in a small open-addressed table keeps it off SipHash.
    struct KeyTable: Sendable {
        var slots: [(key: UInt64, field: Field, bytes: [UInt8])?] = Array(repeating: nil, count: 128)

        init(_ fields: [String: Field]) {
            for (name, field) in fields {
                let bytes = Array(name.utf8)
                let key = bytes.withUnsafeBufferPointer { Self.key($0, 0, bytes.count) }
                var slot = Self.slot(key)
                while slots[slot] != nil { slot = (slot + 1) & 127 }
                slots[slot] = (key, field, bytes)
            }
        }

        @inline(__always)
        static func key(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> UInt64 {
            var h = UInt64(count) << 56
            for k in 0..<min(7, count) { h |= UInt64(p[start + k]) << (8 * UInt64(k)) }
            return h
        }

        @inline(__always)
        static func slot(_ key: UInt64) -> Int {
            Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 57)
        }

        @inline(__always)
        func lookup(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Field? {
            // The key holds the length in its top byte: a longer key is no known field.
            guard count < 256 else { return nil }
            let key = Self.key(p, start, count)
            var slot = Self.slot(key)
            while let entry = slots[slot] {
                if entry.key == key {
                    if count > 7 {
                        for k in 7..<count where p[start + k] != entry.bytes[k] { return nil }
                    }
                    return entry.field
                }
                slot = (slot + 1) & 127
            }
            return nil
        }
    }

    static let ticketKeys = KeyTable(ticketFields)
    static let resettleKeys = KeyTable(resettleFields)

    struct Cursor {
        let p: UnsafeBufferPointer<UInt8>
        var i: Int

        @inline(__always) var atEnd: Bool { i >= p.count }
        @inline(__always) var byte: UInt8 { p[i] }

        @inline(__always) mutating func ws() {
            while i < p.count {
                let c = p[i]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
            }
        }

        @inline(__always) mutating func eat(_ c: UInt8) -> Bool {
            ws()
            guard i < p.count, p[i] == c else { return false }
            i += 1
            return true
        }

        /// A string without escapes: its byte range (after the opening quote). nil on an escape.
        @inline(__always) mutating func plainString() -> Range<Int>? {
            guard i < p.count, p[i] == 0x22 else { return nil }
            let start = i + 1
            let j = special(from: start)
            guard j < p.count, p[j] == 0x22 else { return nil }
            i = j + 1
            return start..<j
        }

        /// The first `"`, `\` or control character at or after `start` (`p.count` when none),
        /// eight bytes a step: most of a body is strings, and most strings are plain.
        @inline(__always) func special(from start: Int) -> Int {
            var j = start
            if let base = p.baseAddress {
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                while j + 8 <= p.count {
                    let v = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self).littleEndian
                    let quote = v ^ 0x2222_2222_2222_2222, slash = v ^ 0x5C5C_5C5C_5C5C_5C5C
                    // A byte's high bit is set where it is zero (so `"` or `\`) or below 0x20; a
                    // byte past the first such may be flagged wrongly, so only the lowest counts.
                    let found = ((quote &- ones) & ~quote | (slash &- ones) & ~slash | (v &- 0x2020_2020_2020_2020) & ~v) & highs
                    if found != 0 { return j + found.trailingZeroBitCount >> 3 }
                    j += 8
                }
            }
            while j < p.count {
                let c = p[j]
                if c == 0x22 || c == 0x5C || c < 0x20 { return j }
                j += 1
            }
            return j
        }

        /// Skips a string, checking its escapes and control characters as JSON requires.
        mutating func skipString() -> Bool {
            guard i < p.count, p[i] == 0x22 else { return false }
            var j = i + 1
            while true {
                j = special(from: j)
                guard j < p.count else { return false }
                let c = p[j]
                if c == 0x22 { i = j + 1; return true }
                if c < 0x20 { return false }
                // A backslash.
                guard j + 1 < p.count else { return false }
                switch p[j + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                    j += 2
                case 0x75:
                    // \uXXXX; surrogate pairing is left to the general path.
                    guard j + 5 < p.count else { return false }
                    for k in 2...5 {
                        let h = p[j + k]
                        guard (h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66) else { return false }
                    }
                    let v = p[j + 2]
                    if v == 0x44 || v == 0x64 { return false }  // D800-DFFF: let the general path pair them
                    j += 6
                default:
                    return false
                }
            }
        }

        /// Skips a number, checking JSON's grammar.
        mutating func skipNumber() -> Bool {
            if i < p.count && p[i] == 0x2D { i += 1 }
            guard i < p.count, p[i] >= 0x30, p[i] <= 0x39 else { return false }
            if p[i] == 0x30 { i += 1 } else { while i < p.count && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 } }
            if i < p.count && p[i] == 0x2E {
                i += 1
                guard i < p.count, p[i] >= 0x30, p[i] <= 0x39 else { return false }
                while i < p.count && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            }
            if i < p.count && (p[i] == 0x65 || p[i] == 0x45) {
                i += 1
                if i < p.count && (p[i] == 0x2B || p[i] == 0x2D) { i += 1 }
                guard i < p.count, p[i] >= 0x30, p[i] <= 0x39 else { return false }
                while i < p.count && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            }
            return true
        }

        /// Skips any value, validating it fully (a value the fast path skips must still be JSON).
        mutating func skipValue(depth: Int = 0) -> Bool {
            ws()
            guard i < p.count, depth < 64 else { return false }
            switch p[i] {
            case 0x22:
                return skipString()
            case 0x7B:
                i += 1
                if eat(0x7D) { return true }
                repeat {
                    ws()
                    guard skipString(), eat(0x3A), skipValue(depth: depth + 1) else { return false }
                } while eat(0x2C)
                return eat(0x7D)
            case 0x5B:
                i += 1
                if eat(0x5D) { return true }
                repeat {
                    guard skipValue(depth: depth + 1) else { return false }
                } while eat(0x2C)
                return eat(0x5D)
            case 0x74: return literal("true")
            case 0x66: return literal("false")
            case 0x6E: return literal("null")
            default:
                return skipNumber()
            }
        }

        @inline(__always) mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard i + n <= p.count else { return false }
            let w = word.utf8Start
            for k in 0..<n where p[i + k] != w[k] { return false }
            i += n
            return true
        }

        @inline(__always) mutating func isNull() -> Bool {
            ws()
            if i < p.count && p[i] == 0x6E { return literal("null") }
            return false
        }

        /// A JSON number without an exponent, as exact `Money`; nil (the general path
        /// decides) for anything else, including digits `Money` cannot hold.
        mutating func money() -> Money? {
            ws()
            let start = i
            if i < p.count && p[i] == 0x2D { i += 1 }
            let digitsStart = i
            while i < p.count && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            guard i > digitsStart else { return nil }
            // JSON: no leading zeros except "0" itself.
            if p[digitsStart] == 0x30 && i - digitsStart > 1 { return nil }
            if i < p.count && p[i] == 0x2E {
                i += 1
                let fractionStart = i
                while i < p.count && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
                guard i > fractionStart else { return nil }
            }
            if i < p.count && (p[i] == 0x65 || p[i] == 0x45) { return nil }  // exponents: the general path
            return Money.parse(bytes: UnsafeBufferPointer(rebasing: p[start..<i]))
        }

        /// A JSON integer (no fraction or exponent) as text and value.
        mutating func integerRange() -> Range<Int>? {
            ws()
            let start = i
            if i < p.count && p[i] == 0x2D { i += 1 }
            let digitsStart = i
            while i < p.count && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 }
            guard i > digitsStart else { return nil }
            if i < p.count && (p[i] == 0x2E || p[i] == 0x65 || p[i] == 0x45) { return nil }
            if p[digitsStart] == 0x30 && i - digitsStart > 1 { return nil }
            return start..<i
        }

        mutating func int() -> Int? {
            guard let r = integerRange(), r.count <= 18 else { return nil }
            var v = 0
            var k = r.lowerBound
            var negative = false
            if p[k] == 0x2D { negative = true; k += 1 }
            while k < r.upperBound { v = v * 10 + Int(p[k] - 0x30); k += 1 }
            return negative ? -v : v
        }

        func text(_ r: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self)
        }

        mutating func bool() -> Bool? {
            ws()
            if literal("true") { return true }
            if literal("false") { return false }
            return nil
        }
    }

    /// Parses one complete ticket object, or returns nil to hand it to the general path.
    static func parse(_ p: UnsafeBufferPointer<UInt8>, timeOffset: Int) -> Ticket? {
        guard let (ticket, end) = parsePrefix(p, timeOffset: timeOffset) else { return nil }
        var c = Cursor(p: p, i: end)
        c.ws()
        return c.atEnd ? ticket : nil
    }

    /// Parses the ticket object at the start of `p` (which may hold more after it); returns
    /// the ticket and where the object ends, or nil (bytes run out, or anything unusual).
    static func parsePrefix(_ p: UnsafeBufferPointer<UInt8>, timeOffset: Int) -> (Ticket, Int)? {
        var c = Cursor(p: p, i: 0)
        guard c.eat(0x7B) else { return nil }
        var transId: String?, memberId: String?, status: String?, transTime: Date?, stake: Money?, currency: Int?
        var eventId: Int64?, betType: Int64?, oddsType: Int64?, parlayTicketNo: String?
        var price: Money?, settlementPrice: Money?, cashoutPrice: Money?, maxPayOut: Money?
        var settlementTime: Date?, cashoutEnabled = false, alreadyCashout = false, legs = 0
        var resettles: [Resettle] = []

        func optionalMoney(_ c: inout Cursor) -> Money?? {
            if c.isNull() { return .some(nil) }
            guard let d = c.money() else { return nil }
            return .some(d)
        }
        func optionalInt(_ c: inout Cursor) -> Int64?? {
            if c.isNull() { return .some(nil) }
            guard let v = c.int() else { return nil }
            return .some(Int64(v))
        }
        func optionalDate(_ c: inout Cursor) -> Date?? {
            if c.isNull() { return .some(nil) }
            guard let r = c.plainString(),
                  let d = UTCTime.parse(bytes: UnsafeBufferPointer(rebasing: c.p[r]), defaultOffset: timeOffset) else { return nil }
            return .some(d)
        }
        func optionalBool(_ c: inout Cursor) -> Bool?? {
            if c.isNull() { return .some(nil) }
            guard let b = c.bool() else { return nil }
            return .some(b)
        }

        c.ws()
        if c.eat(0x7D) { return nil }
        repeat {
            c.ws()
            guard let key = c.plainString(), c.eat(0x3A) else { return nil }
            c.ws()
            guard let field = ticketKeys.lookup(p, key.lowerBound, key.count) else {
                guard c.skipValue() else { return nil }
                continue
            }
            switch field {
            case .transId:
                guard let r = c.integerRange() else { return nil }
                transId = c.text(r)
            case .memberId:
                guard let r = c.plainString() else { return nil }
                memberId = c.text(r)
            case .status:
                guard let r = c.plainString() else { return nil }
                status = c.text(r)
            case .transTime:
                guard let d = optionalDate(&c) else { return nil }
                transTime = d
            case .settlementTime:
                guard let d = optionalDate(&c) else { return nil }
                settlementTime = d
            case .stake:
                guard let d = optionalMoney(&c) else { return nil }
                stake = d
            case .price:
                guard let d = optionalMoney(&c) else { return nil }
                price = d
            case .settlementPrice:
                guard let d = optionalMoney(&c) else { return nil }
                settlementPrice = d
            case .cashoutPrice:
                guard let d = optionalMoney(&c) else { return nil }
                cashoutPrice = d
            case .maxPayOut:
                guard let d = optionalMoney(&c) else { return nil }
                maxPayOut = d
            case .currency:
                guard let v = optionalInt(&c) else { return nil }
                currency = v.map { Int($0) }
            case .eventId:
                guard let v = optionalInt(&c) else { return nil }
                eventId = v
            case .betType:
                guard let v = optionalInt(&c) else { return nil }
                betType = v
            case .oddsType:
                guard let v = optionalInt(&c) else { return nil }
                oddsType = v
            case .parlayTicketNo:
                if c.isNull() { parlayTicketNo = nil } else {
                    guard let r = c.integerRange() else { return nil }
                    parlayTicketNo = c.text(r)
                }
            case .cashoutEnabled:
                guard let b = optionalBool(&c) else { return nil }
                cashoutEnabled = b ?? false
            case .alreadyCashout:
                guard let b = optionalBool(&c) else { return nil }
                alreadyCashout = b ?? false
            case .parlayInfo:
                if c.isNull() { legs = 0 } else {
                    guard c.eat(0x5B) else { return nil }
                    legs = 0
                    if !c.eat(0x5D) {
                        repeat {
                            guard c.skipValue() else { return nil }
                            legs += 1
                        } while c.eat(0x2C)
                        guard c.eat(0x5D) else { return nil }
                    }
                }
            case .resettles:
                if c.isNull() { resettles = [] } else {
                    guard c.eat(0x5B) else { return nil }
                    resettles = []
                    if !c.eat(0x5D) {
                        repeat {
                            guard let r = parseResettle(&c, timeOffset: timeOffset) else { return nil }
                            resettles.append(r)
                        } while c.eat(0x2C)
                        guard c.eat(0x5D) else { return nil }
                    }
                }
            default:
                return nil
            }
        } while c.eat(0x2C)
        guard c.eat(0x7D) else { return nil }
        guard let transId, let memberId, let status, let transTime, let stake, let currency else { return nil }
        return (Ticket(
            transId: transId, memberId: memberId, eventId: eventId, betType: betType, parlayTicketNo: parlayTicketNo, price: price,
            stake: stake, transTime: transTime, status: TicketStatus(status), settlementPrice: settlementPrice, currency: currency,
            oddsType: oddsType, cashoutEnabled: cashoutEnabled, alreadyCashout: alreadyCashout, cashoutPrice: cashoutPrice,
            settlementTime: settlementTime, maxPayOut: maxPayOut, parlayLegs: legs, resettles: resettles), c.i)
    }

    static func parseResettle(_ c: inout Cursor, timeOffset: Int) -> Resettle? {
        guard c.eat(0x7B) else { return nil }
        var date: Date?, changed = false, status = "", price: Money = .zero
        if c.eat(0x7D) { return Resettle(resettleDate: nil, balanceChange: false, status: TicketStatus(""), reSettlePrice: 0) }
        repeat {
            c.ws()
            guard let key = c.plainString(), c.eat(0x3A) else { return nil }
            c.ws()
            switch resettleKeys.lookup(c.p, key.lowerBound, key.count) {
            case .resettleDate?:
                if !c.isNull() {
                    guard let r = c.plainString(), let d = UTCTime.parse(bytes: UnsafeBufferPointer(rebasing: c.p[r]), defaultOffset: timeOffset) else { return nil }
                    date = d
                }
            case .balanceChange?:
                if !c.isNull() {
                    guard let b = c.bool() else { return nil }
                    changed = b
                }
            case .status?:
                if c.isNull() { status = "" } else {
                    guard let r = c.plainString() else { return nil }
                    status = c.text(r)
                }
            case .reSettlePrice?:
                if !c.isNull() {
                    guard let d = c.money() else { return nil }
                    price = d
                }
            default:
                guard c.skipValue() else { return nil }
            }
        } while c.eat(0x2C)
        guard c.eat(0x7D) else { return nil }
        return Resettle(resettleDate: date, balanceChange: changed, status: TicketStatus(status), reSettlePrice: price)
    }
}
