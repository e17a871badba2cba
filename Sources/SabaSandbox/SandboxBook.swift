import Foundation
import SabaReconCore

/// The sandbox's tickets: a deterministic function of (seed, index), spread evenly over
/// a time span, so any window can be served without holding the book in memory.
public struct SandboxBook: Sendable {
    public var seed: UInt64
    public var count: Int
    public var spanStart: Date
    public var spanEnd: Date
    /// Every Nth ticket carries a status Saba does not document (0 = never).
    public var unknownStatusEvery: Int
    public var operatorId: String

    public init(seed: UInt64 = 42, count: Int = 2000, spanStart: Date, spanEnd: Date, unknownStatusEvery: Int = 0, operatorId: String = "sandbox-op") {
        self.seed = seed
        self.count = max(0, count)
        self.spanStart = spanStart
        self.spanEnd = spanEnd
        self.unknownStatusEvery = unknownStatusEvery
        self.operatorId = operatorId
    }

    public static let firstTransId: Int64 = 300_000_000_000

    var step: TimeInterval { count == 0 ? 0 : spanEnd.timeIntervalSince(spanStart) / Double(count) }

    public func transTime(_ i: Int) -> Date {
        // Whole seconds, like Saba's API.
        Date(timeIntervalSince1970: floor(spanStart.timeIntervalSince1970 + (Double(i) + 0.5) * step))
    }

    /// Indexes whose `transTime` lies in `[start, end]` (Saba's bounds are inclusive).
    public func indexes(from start: Date, to end: Date) -> Range<Int> {
        guard count > 0, step > 0 else { return 0..<0 }
        var lo = max(0, Int(floor(start.timeIntervalSince(spanStart) / step - 1)))
        var hi = min(count, Int(ceil(end.timeIntervalSince(spanStart) / step + 1)))
        while lo < hi && transTime(lo) < start { lo += 1 }
        while hi > lo && transTime(hi - 1) > end { hi -= 1 }
        return lo..<max(lo, hi)
    }

    static let currencies: [(id: Int, weight: Int)] = [(3, 40), (2, 10), (13, 10), (51, 10), (15, 8), (96, 8), (45, 4), (4, 5), (70, 5)]
    static let teams = ["Arsenal", "Chelsea", "FC \"Blue\" Stars", "Bayern München", "北京国安", "Olympique Lyonnais", "Sporting/CP", "Real Madrid", "Persija Jakarta", "Hà Nội FC"]
    static let leagues = ["English Premier League", "*SPAIN LA LIGA", "CHINA SUPER LEAGUE", "Liga 1 \\ Indonesia", "V.League 1"]

    /// One ticket and the values behind its JSON (names, urls) in Saba's units.
    public struct Entry: Sendable {
        public var ticket: Ticket
        public var index: Int
        public var homeTeam: String
        public var awayTeam: String
        public var league: String
        public var leagueId: Int?
        public var sportType: Int
        public var homeScore: Int?
        public var awayScore: Int?
        public var point: Decimal?
        public var legs: [Leg]
    }

    public struct Leg: Sendable {
        public var parlayId: Int64
        public var eventId: Int64
        public var price: Decimal
        public var status: String
        public var homeTeam: String
        public var awayTeam: String
    }

    func money(_ rng: inout SplitMix64, min: Int, max: Int) -> Decimal {
        // Cents, exact.
        Decimal(min * 100 + rng.below((max - min) * 100 + 1)) / 100
    }

    /// The generator computes in Decimal (rounding to cents); tickets carry exact Money.
    func m(_ d: Decimal) -> Money { Money(exactly: d) ?? .zero }

    func round2(_ d: Decimal) -> Decimal { round(d, 2) }
    func round4(_ d: Decimal) -> Decimal { round(d, 4) }

    func round(_ d: Decimal, _ places: Int) -> Decimal {
        var v = d
        var out = Decimal()
        NSDecimalRound(&out, &v, places, .bankers)
        return out
    }

    public func entry(_ i: Int) -> Entry {
        var rng = SplitMix64(seed: seed &* 0x1000_0000_01B3 &+ UInt64(i))
        let transId = Self.firstTransId + Int64(i) * 7
        let time = transTime(i)
        var pick = rng.below(100)
        let currency = Self.currencies.first { pick -= $0.weight; return pick < 0 }?.id ?? 3
        let stake = money(&rng, min: 5, max: 500)
        let parlay = rng.below(10) == 0
        var price = parlay ? Decimal(150 + rng.below(600)) / 100 : Decimal(140 + rng.below(260)) / 100
        // Asian odds (SPEC §2): a third of single bets carry a negative Malay or Indo price, where the
        // player risks stake × |price| to win the stake. Drawn from a generator of their own, so a
        // ticket's other fields do not depend on them.
        var odds = SplitMix64(seed: (seed ^ 0x0DD5_0DD5) &* 0x1000_0000_01B3 &+ UInt64(i))
        var oddsType: Int64 = 3
        var risk = stake
        if !parlay && odds.below(3) == 0 {
            if odds.below(2) == 0 {
                oddsType = 1  // Malay -0.50 ... -0.99
                price = -Decimal(50 + odds.below(50)) / 100
            } else {
                oddsType = 4  // Indo -1.01 ... -2.00
                price = -Decimal(101 + odds.below(100)) / 100
            }
            risk = stake * -price  // exact: two decimals times two
        }
        let roll = rng.below(100)
        var status: TicketStatus
        switch roll {
        case 0..<2: status = .waiting
        case 2..<12: status = .running
        case 12..<37: status = .won
        case 37..<67: status = .lose
        case 67..<72: status = .draw
        case 72..<77: status = .halfWon
        case 77..<82: status = .halfLose
        case 82..<86: status = .void
        case 86..<90: status = .refund
        case 90..<92: status = .reject
        default: status = rng.below(2) == 0 ? .won : .lose
        }
        if unknownStatusEvery > 0 && (i + 1) % unknownStatusEvery == 0 { status = .unknown("cancelled_by_trader") }
        // Saba's amounts carry up to four decimals; a negative price wins the stake.
        let win = oddsType == 3 ? round2(stake * (price - 1)) : stake
        func net(_ s: TicketStatus) -> Decimal {
            switch s {
            case .won: win
            case .lose: -risk
            case .halfWon: round4(win / 2)
            case .halfLose: round4(-risk / 2)
            default: 0
            }
        }
        let settled = status.settlementRank == 3
        let settlementTime = settled ? time.addingTimeInterval(Double(3600 + rng.below(7200))) : nil
        var cashout = false
        var cashoutPrice: Decimal = 0
        if settled && status.isResult && !parlay && rng.below(100) < 6 {
            cashout = true
            cashoutPrice = round2(risk * Decimal(30 + rng.below(150)) / 100)
        }
        var resettles: [Resettle] = []
        if settled && status.isResult && !cashout && rng.below(100) < 5, let st = settlementTime {
            // The earlier result, before the trader corrected it.
            let previous: TicketStatus = status == .won ? .lose : .won
            resettles.append(Resettle(resettleDate: st.addingTimeInterval(1800), balanceChange: true, status: previous, reSettlePrice: m(net(previous))))
        }
        var legs: [Leg] = []
        if parlay {
            for k in 0..<(2 + rng.below(3)) {
                legs.append(Leg(parlayId: transId * 10 + Int64(k), eventId: Int64(80_000_000 + rng.below(1_000_000)),
                                price: Decimal(110 + rng.below(120)) / 100,
                                status: settled ? (status == .lose ? (k == 0 ? "lose" : "won") : "won") : "running",
                                homeTeam: Self.teams[rng.below(Self.teams.count)], awayTeam: Self.teams[rng.below(Self.teams.count)]))
            }
        }
        let ticket = Ticket(
            transId: String(transId), memberId: "m\(1000 + rng.below(400))", eventId: Int64(70_000_000 + rng.below(1_000_000)),
            betType: parlay ? 29 : [1, 3, 5, 7, 8, 15][rng.below(6)], parlayTicketNo: parlay ? String(transId) : "0",
            price: m(price), stake: m(stake), transTime: time, status: status,
            settlementPrice: settled ? m(net(status)) : 0, currency: currency, oddsType: oddsType,
            cashoutEnabled: !parlay, alreadyCashout: cashout, cashoutPrice: cashout ? m(cashoutPrice) : 0,
            settlementTime: settlementTime, maxPayOut: m(round2((risk + win) * 10)), parlayLegs: legs.count, resettles: resettles)
        let hasLeague = rng.below(20) != 0
        let live = rng.below(4) == 0
        return Entry(
            ticket: ticket, index: i, homeTeam: Self.teams[rng.below(Self.teams.count)], awayTeam: Self.teams[rng.below(Self.teams.count)],
            league: Self.leagues[rng.below(Self.leagues.count)], leagueId: hasLeague ? 1000 + rng.below(500) : nil,
            sportType: [1, 1, 1, 2, 43][rng.below(5)], homeScore: live ? rng.below(4) : nil, awayScore: live ? rng.below(4) : nil,
            point: rng.below(3) == 0 ? nil : Decimal(rng.below(9) - 4) / 4, legs: legs)
    }

    /// The tickets GetBetDetails returns for `[start, end]` and `isSettled`. A settled ticket
    /// sometimes also shows in the unsettled call as `running` (it settled between the two
    /// calls), as it can at Saba: the client must keep the settled version.
    public func tickets(from start: Date, to end: Date, settled: Bool) -> [Entry] {
        indexes(from: start, to: end).compactMap { served($0, settled: settled) }
    }

    /// Ticket `i` as the `isSettled` call returns it, or nil when that call leaves it out.
    public func served(_ i: Int, settled: Bool) -> Entry? {
        var e = entry(i)
        let isSettled = e.ticket.status.settlementRank >= 2
        if settled { return isSettled ? e : nil }
        if !isSettled { return e }
        if i % 37 == 0 {
            e.ticket.status = .running
            e.ticket.settlementPrice = 0
            e.ticket.settlementTime = nil
            e.ticket.alreadyCashout = false
            e.ticket.cashoutPrice = 0
            e.ticket.resettles = []
            return e
        }
        return nil
    }
}
