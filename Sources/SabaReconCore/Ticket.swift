import Foundation

/// One `resettles[]` entry: the ticket's earlier result before a re-settlement.
public struct Resettle: Sendable, Equatable, Codable {
    public var resettleDate: Date?
    public var balanceChange: Bool
    public var status: TicketStatus
    /// The previous settlement's net win/loss.
    public var reSettlePrice: Decimal

    public init(resettleDate: Date?, balanceChange: Bool, status: TicketStatus, reSettlePrice: Decimal) {
        self.resettleDate = resettleDate
        self.balanceChange = balanceChange
        self.status = status
        self.reSettlePrice = reSettlePrice
    }
}

/// A Saba GetBetDetails ticket, reduced to what reconciliation needs.
/// Money is exact `Decimal` in Saba's units (see `CurrencyInfo.scale`).
public struct Ticket: Sendable, Equatable, Codable {
    public var transId: String
    public var memberId: String
    public var eventId: Int64?
    public var betType: Int64?
    public var parlayTicketNo: String?
    public var price: Decimal?
    public var stake: Decimal
    public var transTime: Date
    public var status: TicketStatus
    public var settlementPrice: Decimal?
    public var currency: Int
    public var oddsType: Int64?
    public var cashoutEnabled: Bool
    public var alreadyCashout: Bool
    public var cashoutPrice: Decimal?
    public var settlementTime: Date?
    public var maxPayOut: Decimal?
    public var parlayLegs: Int
    public var resettles: [Resettle]

    public init(
        transId: String, memberId: String, eventId: Int64? = nil, betType: Int64? = nil,
        parlayTicketNo: String? = nil, price: Decimal? = nil, stake: Decimal, transTime: Date,
        status: TicketStatus, settlementPrice: Decimal? = nil, currency: Int, oddsType: Int64? = nil,
        cashoutEnabled: Bool = false, alreadyCashout: Bool = false, cashoutPrice: Decimal? = nil,
        settlementTime: Date? = nil, maxPayOut: Decimal? = nil, parlayLegs: Int = 0, resettles: [Resettle] = []
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

    /// A sortable text form of `isMoreSettled`, used by the run store's upsert.
    public var settlementKey: String {
        let time = settlementTime.map { String(format: "%012.0f", $0.timeIntervalSince1970 + 100_000_000_000) } ?? "000000000000"
        return "\(status.settlementRank)\(alreadyCashout ? 1 : 0)\(String(format: "%04d", min(resettles.count, 9999)))\(time)"
    }
}
