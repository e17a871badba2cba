import Foundation

/// One `resettles[]` entry: the ticket's earlier result before a re-settlement.
public struct Resettle: Sendable, Equatable, Codable {
    public var resettleDate: Date?
    public var balanceChange: Bool
    public var status: TicketStatus
    /// The previous settlement's net win/loss.
    public var reSettlePrice: Money

    public init(resettleDate: Date?, balanceChange: Bool, status: TicketStatus, reSettlePrice: Money) {
        self.resettleDate = resettleDate
        self.balanceChange = balanceChange
        self.status = status
        self.reSettlePrice = reSettlePrice
    }
}

/// A Saba GetBetDetails ticket, reduced to what reconciliation needs.
/// Money is exact, in Saba's units (see `CurrencyInfo.scale`).
public struct Ticket: Sendable, Equatable, Codable {
    public var transId: String
    public var memberId: String
    public var eventId: Int64?
    public var betType: Int64?
    public var parlayTicketNo: String?
    public var price: Money?
    public var stake: Money
    public var transTime: Date
    public var status: TicketStatus
    public var settlementPrice: Money?
    public var currency: Int
    public var oddsType: Int64?
    public var cashoutEnabled: Bool
    public var alreadyCashout: Bool
    public var cashoutPrice: Money?
    public var settlementTime: Date?
    public var maxPayOut: Money?
    public var parlayLegs: Int
    public var resettles: [Resettle]

    public init(
        transId: String, memberId: String, eventId: Int64? = nil, betType: Int64? = nil,
        parlayTicketNo: String? = nil, price: Money? = nil, stake: Money, transTime: Date,
        status: TicketStatus, settlementPrice: Money? = nil, currency: Int, oddsType: Int64? = nil,
        cashoutEnabled: Bool = false, alreadyCashout: Bool = false, cashoutPrice: Money? = nil,
        settlementTime: Date? = nil, maxPayOut: Money? = nil, parlayLegs: Int = 0, resettles: [Resettle] = []
    ) {
        self.transId = transId
        self.memberId = memberId
        self.eventId = eventId
        self.betType = betType
        self.parlayTicketNo = parlayTicketNo
        self.price = price
        self.stake = stake
        self.transTime = transTime
        self.status = status
        self.settlementPrice = settlementPrice
        self.currency = currency
        self.oddsType = oddsType
        self.cashoutEnabled = cashoutEnabled
        self.alreadyCashout = alreadyCashout
        self.cashoutPrice = cashoutPrice
        self.settlementTime = settlementTime
        self.maxPayOut = maxPayOut
        self.parlayLegs = parlayLegs
        self.resettles = resettles
    }

    /// Orders two versions of the same ticket: the more settled one wins, then the one
    /// with more resettles, then the later settlement time.
    public func isMoreSettled(than other: Ticket) -> Bool {
        if status.settlementRank != other.status.settlementRank {
            return status.settlementRank > other.status.settlementRank
        }
        if alreadyCashout != other.alreadyCashout { return alreadyCashout }
        if resettles.count != other.resettles.count { return resettles.count > other.resettles.count }
        return (settlementTime ?? .distantPast) > (other.settlementTime ?? .distantPast)
    }

    /// `isMoreSettled` as one integer, so the run store's upsert compares two numbers:
    /// status rank, then cashout, then resettle count (capped at 9999), then settlement time
    /// in whole seconds (offset so times before 1970 stay positive, capped at 10^12).
    public var settlementOrder: Int64 {
        let seconds = settlementTime.map { min(max($0.timeIntervalSince1970.rounded() + 100_000_000_000, 1), 999_999_999_999) } ?? 0
        return Int64(status.settlementRank) * 100_000_000_000_000_000
            + (alreadyCashout ? 10_000_000_000_000_000 : 0)
            + Int64(min(resettles.count, 9999)) * 1_000_000_000_000
            + Int64(seconds)
    }
}
