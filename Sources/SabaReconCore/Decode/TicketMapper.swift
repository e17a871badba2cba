import Foundation

/// Maps one parsed ticket object to a `Ticket`. Unknown fields are ignored; nullable
/// ones may be null or absent; money keeps its exact decimal text.
public struct TicketMapper: Sendable {
    /// Seconds east of UTC for Saba times written without a zone (classic APIs use GMT-4).
    public var timeOffset: Int

    public init(timeOffset: Int = 0) {
        self.timeOffset = timeOffset
    }

    public func ticket(from value: JSONValue, offset: Int) throws(TicketDecodingError) -> Ticket {
        guard case .object(let f) = value else {
            throw TicketDecodingError(offset: offset, reason: "a ticket must be a JSON object")
        }
        let transId = try identifier(f["transId"], "transId", offset: offset, transId: nil, required: true) ?? ""
        func fail(_ reason: String) -> TicketDecodingError {
            TicketDecodingError(offset: offset, reason: reason, transId: transId)
        }
        guard let memberId = try identifier(f["memberId"], "memberId", offset: offset, transId: transId, required: true) else {
            throw fail("missing memberId")
        }
        guard let stake = try decimal(f["stake"], "stake", offset: offset, transId: transId) else { throw fail("missing stake") }
        guard let transTime = try date(f["transTime"], "transTime", offset: offset, transId: transId) else { throw fail("missing transTime") }
        guard case .string(let statusText)? = f["status"] else { throw fail("missing or non-string status") }
        guard let currency = try integer(f["currency"], "currency", offset: offset, transId: transId) else { throw fail("missing currency") }
        var resettles: [Resettle] = []
        if case .array(let items)? = f["resettles"] {
            for (k, item) in items.enumerated() {
                guard case .object(let r) = item else { throw fail("resettles[\(k)] is not an object") }
                let price = try decimal(r["reSettlePrice"], "resettles[\(k)].reSettlePrice", offset: offset, transId: transId) ?? 0
                let statusValue = r["status"]?.stringValue ?? ""
                resettles.append(Resettle(
                    resettleDate: try date(r["resettleDate"], "resettles[\(k)].resettleDate", offset: offset, transId: transId),
                    balanceChange: try bool(r["balanceChange"], "resettles[\(k)].balanceChange", offset: offset, transId: transId) ?? false,
                    status: TicketStatus(statusValue),
                    reSettlePrice: price
                ))
            }
        } else if let r = f["resettles"], !r.isNull {
            throw fail("resettles is not an array")
        }
        var legs = 0
        if case .array(let items)? = f["parlayInfo"] { legs = items.count }
        return Ticket(
            transId: transId,
            memberId: memberId,
            eventId: try integer(f["eventId"], "eventId", offset: offset, transId: transId).map(Int64.init),
            betType: try integer(f["betType"], "betType", offset: offset, transId: transId).map(Int64.init),
            parlayTicketNo: try identifier(f["parlayTicketNo"], "parlayTicketNo", offset: offset, transId: transId, required: false),
            price: try decimal(f["price"], "price", offset: offset, transId: transId),
            stake: stake,
            transTime: transTime,
            status: TicketStatus(statusText),
            settlementPrice: try decimal(f["settlementPrice"], "settlementPrice", offset: offset, transId: transId),
            currency: currency,
            oddsType: try integer(f["oddsType"], "oddsType", offset: offset, transId: transId).map(Int64.init),
            cashoutEnabled: try bool(f["cashoutEnabled"], "cashoutEnabled", offset: offset, transId: transId) ?? false,
            alreadyCashout: try bool(f["alreadyCashout"], "alreadyCashout", offset: offset, transId: transId) ?? false,
            cashoutPrice: try decimal(f["cashoutPrice"], "cashoutPrice", offset: offset, transId: transId),
            settlementTime: try date(f["settlementTime"], "settlementTime", offset: offset, transId: transId),
            maxPayOut: try decimal(f["maxPayOut"], "maxPayOut", offset: offset, transId: transId),
            parlayLegs: legs,
            resettles: resettles
        )
    }

    /// Ids arrive as JSON integers (`transId`: long) or strings; either is kept as text.
    func identifier(_ v: JSONValue?, _ name: String, offset: Int, transId: String?, required: Bool) throws(TicketDecodingError) -> String? {
        switch v {
        case .string(let s)?: return s
        case .number(let n)?:
            guard n.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") }) else {
                throw TicketDecodingError(offset: offset, reason: "\(name) is not an integer: \(n)", transId: transId)
            }
            return n
        case nil, .null?:
            if required { throw TicketDecodingError(offset: offset, reason: "missing \(name)", transId: transId) }
            return nil
        default:
            throw TicketDecodingError(offset: offset, reason: "\(name) has the wrong type", transId: transId)
        }
    }

    func decimal(_ v: JSONValue?, _ name: String, offset: Int, transId: String?) throws(TicketDecodingError) -> Money? {
        switch v {
        case .number(let n)?, .string(let n)?:
            guard let d = Money.parse(n) else {
                throw TicketDecodingError(offset: offset, reason: "\(name) is not an exact amount (at most \(Money.maxIntegerDigits) integer and \(Money.fractionDigits) fraction digits): \(n)", transId: transId)
            }
            return d
        case nil, .null?: return nil
        default: throw TicketDecodingError(offset: offset, reason: "\(name) is not a number", transId: transId)
        }
    }

    func integer(_ v: JSONValue?, _ name: String, offset: Int, transId: String?) throws(TicketDecodingError) -> Int? {
        switch v {
        case .number(let n)?, .string(let n)?:
            guard let i = Int(n) else { throw TicketDecodingError(offset: offset, reason: "\(name) is not an integer: \(n)", transId: transId) }
            return i
        case nil, .null?: return nil
        default: throw TicketDecodingError(offset: offset, reason: "\(name) is not an integer", transId: transId)
        }
    }

    func bool(_ v: JSONValue?, _ name: String, offset: Int, transId: String?) throws(TicketDecodingError) -> Bool? {
        switch v {
        case .bool(let b)?: return b
        case nil, .null?: return nil
        default: throw TicketDecodingError(offset: offset, reason: "\(name) is not a boolean", transId: transId)
        }
    }

    func date(_ v: JSONValue?, _ name: String, offset: Int, transId: String?) throws(TicketDecodingError) -> Date? {
        switch v {
        case .string(let s)?:
            guard let d = UTCTime.parse(s, defaultOffset: timeOffset) else {
                throw TicketDecodingError(offset: offset, reason: "\(name) is not a date-time: \(s)", transId: transId)
            }
            return d
        case nil, .null?: return nil
        default: throw TicketDecodingError(offset: offset, reason: "\(name) is not a date-time string", transId: transId)
        }
    }
}
