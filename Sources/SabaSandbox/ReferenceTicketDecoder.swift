import Foundation
import SabaReconCore

/// GetBetDetails decoded the plain way, with Foundation's `JSONDecoder`: the yardstick
/// the streaming decoder is benchmarked and differentially tested against.
public enum ReferenceTicketDecoder {
    struct DTO: Decodable {
        struct ResettleDTO: Decodable {
            var resettleDate: String?
            var balanceChange: Bool?
            var status: String?
            var reSettlePrice: Decimal?
        }
        struct Leg: Decodable {}
        var transId: Int64
        var memberId: String
        var eventId: Int64?
        var betType: Int64?
        var parlayTicketNo: Int64?
        var price: Decimal?
        var stake: Decimal
        var transTime: String
        var status: String
        var settlementPrice: Decimal?
        var currency: Int
        var oddsType: Int64?
        var cashoutEnabled: Bool?
        var alreadyCashout: Bool?
        var cashoutPrice: Decimal?
        var parlayInfo: [Leg]?
        var resettles: [ResettleDTO]?
        var settlementTime: String?
        var maxPayOut: Decimal?
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func decode(_ data: Data, timeOffset: Int = 0) throws -> [Ticket] {
        let dtos = try JSONDecoder().decode([DTO].self, from: data)
        func date(_ s: String?) throws -> Date? {
            guard let s else { return nil }
            guard let d = UTCTime.parse(s, defaultOffset: timeOffset) else { throw Failure(description: "bad date \(s)") }
            return d
        }
        /// Foundation's Decimal, held to the same exactness as the pipeline's Money.
        func money(_ d: Decimal?) throws -> Money? {
            guard let d else { return nil }
            guard let m = Money(exactly: d) else { throw Failure(description: "amount \(d) is not an exact Money") }
            return m
        }
        return try dtos.map { d in
            Ticket(
                transId: String(d.transId), memberId: d.memberId, eventId: d.eventId, betType: d.betType,
                parlayTicketNo: d.parlayTicketNo.map(String.init), price: try money(d.price), stake: try money(d.stake) ?? .zero,
                transTime: try date(d.transTime) ?? Date.distantPast, status: TicketStatus(d.status), settlementPrice: try money(d.settlementPrice),
                currency: d.currency, oddsType: d.oddsType, cashoutEnabled: d.cashoutEnabled ?? false,
                alreadyCashout: d.alreadyCashout ?? false, cashoutPrice: try money(d.cashoutPrice), settlementTime: try date(d.settlementTime),
                maxPayOut: try money(d.maxPayOut), parlayLegs: d.parlayInfo?.count ?? 0,
                resettles: try (d.resettles ?? []).map {
                    Resettle(resettleDate: try date($0.resettleDate), balanceChange: $0.balanceChange ?? false,
                             status: TicketStatus($0.status ?? ""), reSettlePrice: try money($0.reSettlePrice) ?? .zero)
                })
        }
    }

    /// A GetBetDetails body of `count` sandbox tickets (about 1.6 KB each).
    public static func body(count: Int, seed: UInt64 = 1) -> [UInt8] {
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let book = SandboxBook(seed: seed, count: count, spanStart: start, spanEnd: start.addingTimeInterval(30 * 86_400))
        var text = "["
        text.reserveCapacity(count * 1800)
        for i in 0..<count {
            if i > 0 { text += "," }
            SandboxBook.json(book.entry(i), into: &text)
        }
        text += "]"
        return Array(text.utf8)
    }
}
