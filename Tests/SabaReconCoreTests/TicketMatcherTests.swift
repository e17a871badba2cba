import Foundation
import Testing
@testable import SabaReconCore

/// Small builders: one ticket and its ledger, amounts as exact decimal text.
enum Fixture {
    static let now = UTCTime.parse("2026-07-20T12:00:00Z")!
    static let placed = UTCTime.parse("2026-07-10T09:00:00Z")!

    static func d(_ s: String) -> Money { Money.parse(s)! }

    static func ticket(_ status: String, stake: String = "100", net: String? = nil, currency: Int = 3, id: String = "1001",
                       member: String = "m1", at: Date = placed, cashout: String? = nil, resettles: [Resettle] = [],
                       price: String? = nil, odds: Int64? = nil) -> Ticket {
        Ticket(transId: id, memberId: member, price: price.map(d), stake: d(stake), transTime: at, status: TicketStatus(status),
               settlementPrice: net.map(d), currency: currency, oddsType: odds, alreadyCashout: cashout != nil, cashoutPrice: cashout.map(d),
               resettles: resettles)
    }

    static func entry(_ kind: String, _ amount: String, id: String = "1001", n: Int? = nil, member: String = "m1",
                      currency: String = "USD", at: Date = placed, ref: String? = nil) -> LedgerEntry {
        LedgerEntry(entryId: "e-\(id)-\(kind)-\(n.map(String.init) ?? UUID().uuidString)", provider: "saba",
                    ticketId: id, memberId: member, kind: kind, amount: d(amount), currency: currency, createdAt: at, ref: ref)
    }

    static func policy(tolerance: String = "0", grace: TimeInterval = 900, basis: StakeBasis = .actual) -> MatchPolicy {
        let plan = try! WindowPlanner(edgeMargin: 120).plan(WindowPlanner.dayRange(from: "2026-07-01", to: "2026-07-20"), now: now, clamp: false)
        return MatchPolicy(plan: plan, now: now, grace: grace, tolerances: try! ToleranceTable.parse(tolerance), stakeBasis: basis)
    }

    static func kinds(_ ticket: Ticket?, _ entries: [LedgerEntry], policy: MatchPolicy = policy()) -> [String] {
        TicketMatcher(policy: policy).match(ticket: ticket, entries: entries).rows.map(\.kind.rawValue)
    }
}

@Suite struct ExpectedNetTests {
    typealias F = Fixture

    @Test(arguments: [
        ("waiting", nil, "-100"), ("running", nil, "-100"), ("won", "85.5", "85.5"), ("lose", "-100", "-100"),
        ("draw", "0", "0"), ("half won", "42.75", "42.75"), ("half lose", "-50", "-50"),
        ("void", "0", "0"), ("refund", nil, "0"), ("reject", "0", "0"),
    ])
    func everyDocumentedStatus(status: String, net: String?, expected: String) throws {
        let t = F.ticket(status, net: net)
        #expect(try ExpectedNet.of(t).get() == F.d(expected))
    }

    @Test func cashoutWinsOverStatus() throws {
        #expect(try ExpectedNet.of(F.ticket("lose", net: "-100", cashout: "60")).get() == F.d("-40"))
        #expect(try ExpectedNet.of(F.ticket("won", net: "90", cashout: "130.25")).get() == F.d("30.25"))
    }

    @Test func unknownStatusOrMissingPriceHasNoExpectedNet() {
        #expect((try? ExpectedNet.of(F.ticket("cancelled")).get()) == nil)
        #expect((try? ExpectedNet.of(F.ticket("won", net: nil)).get()) == nil)
    }

    @Test func previousNetComesFromTheLastBalanceChangingResettle() {
        let t = F.ticket("lose", net: "-100", resettles: [
            Resettle(resettleDate: nil, balanceChange: true, status: .won, reSettlePrice: F.d("80")),
            Resettle(resettleDate: nil, balanceChange: false, status: .draw, reSettlePrice: 0),
        ])
        #expect(ExpectedNet.beforeLastResettle(t) == F.d("80"))
    }
}

@Suite struct TicketMatcherTests {
    typealias F = Fixture
    let won = F.ticket("won", net: "85")

    @Test func cleanTicketsGiveNoRows() {
        #expect(F.kinds(won, [F.entry("bet", "-100"), F.entry("settle", "185")]).isEmpty)
        #expect(F.kinds(F.ticket("lose", net: "-100"), [F.entry("bet", "-100"), F.entry("settle", "0")]).isEmpty)
        #expect(F.kinds(F.ticket("running"), [F.entry("bet", "-100")]).isEmpty)
        #expect(F.kinds(F.ticket("void", net: "0"), [F.entry("bet", "-100"), F.entry("refund", "100")]).isEmpty)
        #expect(F.kinds(F.ticket("won", net: "85", cashout: "120"), [F.entry("bet", "-100"), F.entry("cashout", "120")]).isEmpty)
    }

    @Test func missingInLedger() {
        #expect(F.kinds(won, []) == ["missing_in_ledger"])
        // The break happened when the ticket was placed; a ledger-only one when the bet was booked.
        #expect(TicketMatcher(policy: F.policy()).match(ticket: won, entries: []).rows.map(\.occurredAt) == [won.transTime])
        let bet = F.entry("bet", "-10")
        #expect(TicketMatcher(policy: F.policy()).match(ticket: nil, entries: [bet]).rows.map(\.occurredAt) == [bet.createdAt])
    }

    @Test func missingAtProviderOnlyForBetsInsideTheRange() {
        #expect(F.kinds(nil, [F.entry("bet", "-10")]) == ["missing_at_provider"])
        // A bet just before the range (seen only because of the edge margin) is not judged.
        #expect(F.kinds(nil, [F.entry("bet", "-10", at: UTCTime.parse("2026-06-30T23:59:30Z")!)]).isEmpty)
        // Settlement entries of a ticket placed before the range are not judged either.
        #expect(F.kinds(nil, [F.entry("settle", "10")]).isEmpty)
    }

    @Test func aTicketWhoseWalletClockIsAcrossTheRangeEdgeIsMatched() {
        let edgeTicket = F.ticket("won", net: "85", at: UTCTime.parse("2026-07-01T00:00:01Z")!)
        let entries = [F.entry("bet", "-100", at: UTCTime.parse("2026-06-30T23:59:58Z")!), F.entry("settle", "185")]
        #expect(F.kinds(edgeTicket, entries).isEmpty)
        // And the other way: the ticket is a second past the end, its wallet bet inside.
        let late = F.ticket("running", at: UTCTime.parse("2026-07-21T00:00:01Z")!)
        let policy = MatchPolicy(plan: F.policy().plan, now: UTCTime.parse("2026-07-22T00:00:00Z")!, grace: 900)
        #expect(F.kinds(late, [F.entry("bet", "-100", at: UTCTime.parse("2026-07-20T23:59:59Z")!)], policy: policy).isEmpty)
    }

    @Test func memberAndCurrencyMismatch() {
        #expect(F.kinds(won, [F.entry("bet", "-100", member: "m2"), F.entry("settle", "185")]) == ["member_mismatch"])
        #expect(F.kinds(won, [F.entry("bet", "-100", currency: "EUR"), F.entry("settle", "185", currency: "EUR")]) == ["currency_mismatch"])
        // Unknown Saba currency id: reported, money not compared.
        #expect(F.kinds(F.ticket("won", net: "85", currency: 999), [F.entry("bet", "-1")]) == ["currency_mismatch"])
    }

    @Test func duplicateBetIsExplainedWithoutANetMismatch() {
        #expect(F.kinds(won, [F.entry("bet", "-100", n: 1), F.entry("bet", "-100", n: 2), F.entry("settle", "185")]) == ["duplicate_entry"])
        #expect(F.kinds(won, [F.entry("bet", "-100"), F.entry("settle", "185", n: 1, ref: "s1"), F.entry("settle", "185", n: 2, ref: "s1")]) == ["duplicate_entry"])
    }

    /// The judge sorts a group by (created_at, entry_id) only when it is out of order, and
    /// drops a repeated ref's later movement: the rows are the same in any order handed in.
    @Test func aGroupIsJudgedTheSameInAnyOrder() {
        let later = F.placed.addingTimeInterval(60)
        let groups: [[LedgerEntry]] = [
            [F.entry("bet", "-100", n: 1), F.entry("settle", "185", n: 2, at: later, ref: "s1"), F.entry("settle", "185", n: 3, ref: "s1")],
            [F.entry("bet", "-100", n: 1, at: later), F.entry("bet", "-100", n: 2), F.entry("settle", "185", n: 3)],
            [F.entry("bet", "-100", n: 1), F.entry("settle", "85", n: 2, ref: "a"), F.entry("settle", "100", n: 3, at: later, ref: "b"), F.entry("settle", "100", n: 4, ref: "b")],
        ]
        let matcher = TicketMatcher(policy: F.policy())
        for group in groups {
            let forward = matcher.match(ticket: won, entries: group)
            #expect(!forward.rows.isEmpty)
            #expect(matcher.match(ticket: won, entries: group.reversed()) == forward)
            #expect(matcher.match(ticket: won, entries: [group[1], group[0]] + group.dropFirst(2)) == forward)
        }
        // The earlier of two movements with one ref is kept; the later one is the duplicate.
        let rows = matcher.match(ticket: won, entries: groups[0].reversed()).rows
        #expect(rows.map(\.kind) == [.duplicateEntry])
        #expect(rows.first?.ledgerEntryIds == [groups[0][1].entryId])
        // Handed in already in order (the sort is skipped): the same rows.
        let ordered = groups[0].sorted { ($0.createdAt, $0.entryId) < ($1.createdAt, $1.entryId) }
        #expect(matcher.match(ticket: won, entries: ordered) == matcher.match(ticket: won, entries: groups[0]))
        // Two movements with one ref at the same time: the entry id decides which is kept.
        let tie = [F.entry("bet", "-100", n: 1), F.entry("settle", "185", n: 3, ref: "s1"), F.entry("settle", "185", n: 2, ref: "s1")]
        for order in [tie, tie.reversed(), [tie[1], tie[0], tie[2]]] {
            #expect(matcher.match(ticket: won, entries: order).rows.first?.ledgerEntryIds == [tie[1].entryId])
        }
    }

    @Test func duplicatePlusAnotherGapReportsBoth() {
        let rows = F.kinds(won, [F.entry("bet", "-100", n: 1), F.entry("bet", "-100", n: 2)])
        #expect(rows == ["duplicate_entry", "payout_missing"])
    }

    @Test func stakeMismatchExplainsItsOwnGap() {
        #expect(F.kinds(won, [F.entry("bet", "-101"), F.entry("settle", "185")]) == ["stake_mismatch"])
        // The payout returned the wrong debit too: the player's net is right, the stake row says what is wrong.
        #expect(F.kinds(won, [F.entry("bet", "-101"), F.entry("settle", "186")]) == ["stake_mismatch"])
        #expect(F.kinds(won, [F.entry("bet", "-101"), F.entry("settle", "187")]) == ["stake_mismatch", "net_mismatch"])
    }

    @Test func refundMissing() {
        for status in ["void", "refund", "reject"] {
            #expect(F.kinds(F.ticket(status, net: "0"), [F.entry("bet", "-100")]) == ["refund_missing"])
        }
    }

    @Test func resettleNotApplied() {
        let t = F.ticket("lose", net: "-100", resettles: [Resettle(resettleDate: nil, balanceChange: true, status: .won, reSettlePrice: F.d("85"))])
        #expect(F.kinds(t, [F.entry("bet", "-100"), F.entry("settle", "185")]) == ["resettle_not_applied"])
        #expect(F.kinds(t, [F.entry("bet", "-100"), F.entry("settle", "185"), F.entry("resettle", "-185")]).isEmpty)
    }

    @Test func payoutMissing() {
        #expect(F.kinds(won, [F.entry("bet", "-100")]) == ["payout_missing"])
        #expect(F.kinds(F.ticket("lose", net: "-10", cashout: "50"), [F.entry("bet", "-100")]) == ["payout_missing"])
        // A lost ticket owes nothing: bet only is right.
        #expect(F.kinds(F.ticket("lose", net: "-100"), [F.entry("bet", "-100")]).isEmpty)
    }

    @Test func settledWhileRunning() {
        #expect(F.kinds(F.ticket("running"), [F.entry("bet", "-100"), F.entry("settle", "185")]) == ["settled_while_running"])
    }

    @Test func netMismatchForAnyOtherGap() {
        #expect(F.kinds(won, [F.entry("bet", "-100"), F.entry("settle", "185.01")]) == ["net_mismatch"])
        #expect(F.kinds(F.ticket("draw", net: "0"), [F.entry("bet", "-100"), F.entry("settle", "99")]) == ["net_mismatch"])
    }

    @Test func unknownStatusIsARowNotACrash() {
        #expect(F.kinds(F.ticket("cancelled_by_trader"), [F.entry("bet", "-100")]) == ["unknown_status"])
    }

    @Test func thousandUnitCurrenciesAreScaledBeforeComparing() {
        let vnd = F.ticket("won", stake: "50.5", net: "40", currency: 51)
        #expect(F.kinds(vnd, [F.entry("bet", "-50500", currency: "VND"), F.entry("settle", "90500", currency: "VND")]).isEmpty)
        #expect(F.kinds(vnd, [F.entry("bet", "-50.5", currency: "VND"), F.entry("settle", "90.5", currency: "VND")]) == ["stake_mismatch", "net_mismatch"])
        let row = TicketMatcher(policy: F.policy()).match(ticket: vnd, entries: []).rows[0]
        #expect(row.providerStake == F.d("50500"))
        #expect(row.providerNet == F.d("40000"))
    }

    /// A ledger ticket Saba never had, booked in two currencies: the control totals keep them
    /// apart (they were all booked under the bet's currency).
    @Test func anOrphanInTwoCurrenciesKeepsItsControlTotalsApart() {
        let outcome = TicketMatcher(policy: F.policy()).match(ticket: nil, entries: [
            F.entry("bet", "-100", id: "9", n: 1, currency: "USD"), F.entry("settle", "5000", id: "9", n: 2, currency: "THB"),
        ])
        #expect(outcome.rows.map(\.kind) == [.missingAtProvider])
        #expect(outcome.rows.first?.ledgerNet == F.d("-100"))
        let controls = Dictionary(uniqueKeysWithValues: outcome.controls.map { ($0.currency, $0) })
        #expect(controls["USD"]?.ledgerNet == F.d("-100") && controls["USD"]?.ledgerStake == F.d("100"))
        #expect(controls["THB"]?.ledgerNet == F.d("5000") && controls["THB"]?.ledgerStake == .zero)
    }

    /// daily.csv counts a ticket on its transTime's date in the accounting zone.
    @Test func theAccountingDayFollowsTheAccountingZone() {
        let late = UTCTime.parse("2026-07-10T17:00:00Z")!
        let ticket = F.ticket("lose", net: "-100", at: late)
        var policy = F.policy()
        #expect(TicketMatcher(policy: policy).match(ticket: ticket, entries: [F.entry("bet", "-100")]).day.map(MatchPolicy.dayText) == "2026-07-10")
        policy.accountingOffset = 8 * 3600
        var result = Reconciliation()
        result.add(TicketMatcher(policy: policy).match(ticket: ticket, entries: [F.entry("bet", "-100")]))
        result.add(TicketMatcher(policy: policy).match(ticket: F.ticket("lose", net: "-100", id: "1002", at: F.placed), entries: [F.entry("bet", "-100", id: "1002")]))
        #expect(result.daily.keys.map(\.day).sorted().map(MatchPolicy.dayText) == ["2026-07-10", "2026-07-11"])
        #expect(result.daily.values.reduce(0) { $0 + $1.tickets } == result.controls["USD"]?.tickets)
    }

    @Test func youngTicketsArePendingNotDiscrepancies() {
        let young = F.ticket("won", net: "85", at: F.now.addingTimeInterval(-60))
        let outcome = TicketMatcher(policy: F.policy()).match(ticket: young, entries: [])
        #expect(outcome.rows.isEmpty)
        #expect(outcome.pending?.transId == "1001")
        let orphan = TicketMatcher(policy: F.policy()).match(ticket: nil, entries: [F.entry("bet", "-5", at: F.now.addingTimeInterval(-60))])
        #expect(orphan.rows.isEmpty && orphan.pending != nil)
    }

    @Test func aFreshSettlementIsPendingNotAMissingPayout() {
        var t = F.ticket("won", net: "85")
        t.settlementTime = F.now.addingTimeInterval(-30)
        let outcome = TicketMatcher(policy: F.policy()).match(ticket: t, entries: [F.entry("bet", "-100")])
        #expect(outcome.rows.isEmpty)
        #expect(outcome.pending?.since == t.settlementTime)
        // Past the grace period the same gap is a payout_missing.
        t.settlementTime = F.now.addingTimeInterval(-3600)
        #expect(F.kinds(t, [F.entry("bet", "-100")]) == ["payout_missing"])
    }

    @Test func toleranceAbsorbsSmallDifferencesOnly() {
        let entries = [F.entry("bet", "-100"), F.entry("settle", "185.01")]
        #expect(F.kinds(won, entries, policy: F.policy(tolerance: "0.01")).isEmpty)
        #expect(F.kinds(won, entries, policy: F.policy(tolerance: "0.005")) == ["net_mismatch"])
    }

    @Test func rowCarriesBothSidesAndTheDifference() throws {
        let row = try #require(TicketMatcher(policy: F.policy()).match(ticket: won, entries: [F.entry("bet", "-100")]).rows.first)
        #expect(row.providerNet == 85)
        #expect(row.ledgerNet == -100)
        #expect(row.difference == -185)
        #expect(row.providerStatus == "won")
        #expect(row.windowStart == UTCTime.parse("2026-07-01T00:00:00Z"))
    }
}

@Suite struct ControlTotalsTests {
    typealias F = Fixture

    @Test func aWrongCurrencyKeepsEachSidesMoneyUnderItsOwnCurrency() {
        var r = Reconciliation()
        let matcher = TicketMatcher(policy: F.policy())
        r.add(matcher.match(ticket: F.ticket("won", net: "85"), entries: [F.entry("bet", "-100", currency: "EUR"), F.entry("settle", "185", currency: "EUR")]))
        r.add(matcher.match(ticket: F.ticket("lose", stake: "50", net: "-50", id: "2"), entries: [F.entry("bet", "-50", id: "2")]))
        #expect(r.controls["USD"] == ControlTotals(currency: "USD", tickets: 2, providerStake: 150, providerNet: 35, ledgerStake: 50, ledgerNet: -50))
        #expect(r.controls["EUR"] == ControlTotals(currency: "EUR", tickets: 0, providerStake: 0, providerNet: 0, ledgerStake: 100, ledgerNet: 85))
        #expect(r.groupsJudged == 2)
    }
}
