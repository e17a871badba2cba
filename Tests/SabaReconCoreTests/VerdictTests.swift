import Foundation
import Testing
@testable import SabaReconCore

/// SPEC §2 and §3 as revised on 2026-12-06: each rule both ways, the mistake reported with its
/// kind and both amounts, the correct ledger reported as nothing.
@Suite struct StakeAtRiskTests {
    typealias F = Fixture

    @Test(arguments: [
        // (oddsType, price, stake, stake at risk)
        (Int64(1), "-0.80", "100", "80"),       // Malay negative: stake × |price|
        (Int64(1), "0.80", "100", "100"),       // Malay positive: the stake
        (Int64(4), "-1.25", "100", "125"),      // Indo negative
        (Int64(4), "1.25", "100", "100"),
        (Int64(5), "-150", "100", "150"),       // American negative: stake × |price| / 100
        (Int64(5), "120", "100", "100"),
        (Int64(3), "1.85", "100", "100"),       // Decimal
        (Int64(2), "0.85", "100", "100"),       // Hong Kong
        (Int64(1), "-0.87", "15.55", "13.5285"), // more decimals than the currency
    ])
    func stakeAtRisk(odds: Int64, price: String, stake: String, risk: String) throws {
        let t = F.ticket("running", stake: stake, price: price, odds: odds)
        #expect(try StakeAtRisk.of(t, basis: .actual).get().amount == F.d(risk))
        // A wallet that debits the nominal stake.
        #expect(try StakeAtRisk.of(t, basis: .nominal).get().amount == F.d(stake))
    }

    @Test func theOddsAreNamed() throws {
        #expect(try StakeAtRisk.of(F.ticket("running", price: "-0.80", odds: 1), basis: .actual).get().odds == "Malay -0.80")
        #expect(try StakeAtRisk.of(F.ticket("running", price: "-1.25", odds: 4), basis: .actual).get().odds == "Indo -1.25")
        #expect(try StakeAtRisk.of(F.ticket("running", price: "-150", odds: 5), basis: .actual).get().odds == "American -150")
        #expect(try StakeAtRisk.of(F.ticket("running", price: "1.85", odds: 3), basis: .actual).get().odds == nil)
    }

    @Test func anOutOfRangeProductIsNotAGuess() {
        let t = F.ticket("running", stake: "900000000000000", price: "-900000000000000", odds: 1)
        #expect((try? StakeAtRisk.of(t, basis: .actual).get()) == nil)
        // Past 15 integer digits without overflowing Int128: refused too, so a thousand-unit
        // currency's scaling cannot trap (review: stake 999999999999999 at -999999999, VND).
        let vnd = F.ticket("running", stake: "999999999999999", currency: 51, price: "-999999999", odds: 1)
        #expect((try? StakeAtRisk.of(vnd, basis: .actual).get()) == nil)
        #expect(F.kinds(vnd, [F.entry("bet", "-1", n: 1, currency: "VND")]) == ["net_mismatch"])
    }
}

@Suite struct NegativeOddsVerdictTests {
    typealias F = Fixture

    static func malay(_ status: String, net: String? = nil, cashout: String? = nil) -> Ticket {
        F.ticket(status, stake: "100", net: net, cashout: cashout, price: "-0.80", odds: 1)
    }

    // Malay -0.80 on 100: the wallet debits 80 to win 100.
    @Test(arguments: [
        ("running", nil as String?, nil as String?, ["-80"]),
        ("waiting", nil, nil, ["-80"]),
        ("won", "100", nil, ["-80", "180"]),
        ("lose", "-80", nil, ["-80", "0"]),
        ("lose", "-80", nil, ["-80"]),
        ("half won", "50", nil, ["-80", "130"]),
        ("half lose", "-40", nil, ["-80", "40"]),
        ("draw", "0", nil, ["-80", "80"]),
        ("void", "0", nil, ["-80", "80"]),
        ("refund", "0", nil, ["-80", "80"]),
        ("reject", "0", nil, ["-80", "80"]),
        ("won", "100", "50", ["-80", "50"]),  // cashout: cashoutPrice - risk
        ("running", nil, "95", ["-80", "95"]),
    ])
    func aCorrectLedgerGivesNoRow(status: String, net: String?, cashout: String?, amounts: [String]) {
        let kinds = ["bet", "settle"]
        let entries = amounts.enumerated().map { k, a in
            F.entry(k == 0 ? "bet" : (cashout != nil ? "cashout" : (["void", "refund", "reject"].contains(status) ? "refund" : kinds[1])), a, n: k)
        }
        #expect(F.kinds(Self.malay(status, net: net, cashout: cashout), entries) == [])
    }

    @Test func theNominalStakeDebitedIsAStakeMismatchAndOnlyThat() {
        let outcome = TicketMatcher(policy: F.policy()).match(ticket: Self.malay("running"), entries: [F.entry("bet", "-100", n: 1)])
        #expect(outcome.rows.map(\.kind) == [.stakeMismatch])
        let row = outcome.rows[0]
        #expect(row.providerStake == 80 && row.providerNet == -80 && row.ledgerNet == -100)
        #expect(row.fields == [FieldDifference(field: "stake", provider: "-80.00", ledger: "-100.00")])
        #expect(row.detail == "ledger bet -100.00, provider stake at risk 80.00 (stake 100.00 at Malay -0.80)")
        // Settled: the wrong debit explains the gap; no second row (was payout_missing "owed 20.00").
        #expect(F.kinds(Self.malay("lose", net: "-80"), [F.entry("bet", "-100", n: 1), F.entry("settle", "0", n: 2)]) == ["stake_mismatch"])
        #expect(F.kinds(Self.malay("lose", net: "-80"), [F.entry("bet", "-100", n: 1)]) == ["stake_mismatch"])
        #expect(F.kinds(Self.malay("void", net: "0"), [F.entry("bet", "-100", n: 1), F.entry("refund", "100", n: 2)]) == ["stake_mismatch"])
    }

    @Test func mistakesOnANegativePriceAreReportedWithBothAmounts() {
        let policy = F.policy()
        let unpaid = TicketMatcher(policy: policy).match(ticket: Self.malay("won", net: "100"), entries: [F.entry("bet", "-80", n: 1)])
        #expect(unpaid.rows.map(\.kind) == [.payoutMissing])
        #expect(unpaid.rows[0].detail == "won ticket owed a credit of 180.00; ledger has the bet only (stake at risk 80.00: stake 100.00 at Malay -0.80)")
        #expect(unpaid.rows[0].providerNet == 100 && unpaid.rows[0].ledgerNet == -80 && unpaid.rows[0].difference == -180)
        let kept = TicketMatcher(policy: policy).match(ticket: Self.malay("void", net: "0"), entries: [F.entry("bet", "-80", n: 1)])
        #expect(kept.rows.map(\.kind) == [.refundMissing])
        #expect(kept.rows[0].difference == -80)
        #expect(F.kinds(Self.malay("won", net: "100", cashout: "50"), [F.entry("bet", "-80", n: 1), F.entry("cashout", "60", n: 2)]) == ["net_mismatch"])
        #expect(F.kinds(Self.malay("running"), [F.entry("bet", "-80", n: 1), F.entry("settle", "180", n: 2)]) == ["settled_while_running"])
    }

    @Test func indoAndAmericanNegativePrices() {
        let indo = F.ticket("lose", stake: "100", net: "-125", price: "-1.25", odds: 4)
        #expect(F.kinds(indo, [F.entry("bet", "-125", n: 1), F.entry("settle", "0", n: 2)]) == [])
        #expect(F.kinds(indo, [F.entry("bet", "-100", n: 1), F.entry("settle", "0", n: 2)]) == ["stake_mismatch"])
        let american = F.ticket("won", stake: "100", net: "100", price: "-150", odds: 5)
        #expect(F.kinds(american, [F.entry("bet", "-150", n: 1), F.entry("settle", "250", n: 2)]) == [])
        #expect(F.kinds(american, [F.entry("bet", "-150", n: 1), F.entry("settle", "200", n: 2)]) == ["net_mismatch"])
        #expect(F.kinds(F.ticket("running", stake: "100", price: "-150", odds: 5), [F.entry("bet", "-100", n: 1)]) == ["stake_mismatch"])
    }

    @Test func aNominalWalletIsJudgedOnTheNominalStake() {
        let nominal = F.policy(basis: .nominal)
        #expect(F.kinds(Self.malay("running"), [F.entry("bet", "-100", n: 1)], policy: nominal) == [])
        #expect(F.kinds(Self.malay("running"), [F.entry("bet", "-80", n: 1)], policy: nominal) == ["stake_mismatch"])
        #expect(F.kinds(Self.malay("won", net: "100"), [F.entry("bet", "-100", n: 1), F.entry("settle", "200", n: 2)], policy: nominal) == [])
    }

    @Test func theStakeColumnsAreTheStakeAtRisk() {
        let outcome = TicketMatcher(policy: F.policy()).match(ticket: Self.malay("lose", net: "-80"), entries: [F.entry("bet", "-80", n: 1), F.entry("settle", "0", n: 2)])
        #expect(outcome.controls == [ControlTotals(currency: "USD", tickets: 1, providerStake: 80, providerNet: -80, ledgerStake: 80, ledgerNet: -80)])
    }
}

@Suite struct RoundingVerdictTests {
    typealias F = Fixture

    // Stake 15.55 at Malay -0.87: 13.5285 at risk, booked 13.53 (or 13.52: either way the wallet rounds).
    static let odd = F.ticket("lose", stake: "15.55", net: "-13.5285", price: "-0.87", odds: 1)

    @Test func anAmountWithMoreDecimalsThanTheCurrencyMatchesWithinOneMinorUnit() {
        #expect(F.kinds(Self.odd, [F.entry("bet", "-13.53", n: 1), F.entry("settle", "0", n: 2)]) == [])
        #expect(F.kinds(Self.odd, [F.entry("bet", "-13.52", n: 1), F.entry("settle", "0", n: 2)]) == [])
        #expect(F.kinds(F.ticket("running", stake: "15.55", price: "-0.87", odds: 1), [F.entry("bet", "-13.53", n: 1)]) == [])
        // A whole minor unit or more away is a mistake.
        #expect(F.kinds(Self.odd, [F.entry("bet", "-13.54", n: 1), F.entry("settle", "0", n: 2)]) == ["stake_mismatch"])
        let won = F.ticket("won", stake: "15.55", net: "15.55", price: "-0.87", odds: 1)
        #expect(F.kinds(won, [F.entry("bet", "-13.53", n: 1), F.entry("settle", "29.08", n: 2)]) == [])
        #expect(F.kinds(won, [F.entry("bet", "-13.53", n: 1), F.entry("settle", "29.07", n: 2)]) == [])
        // A payout a cent too high does not hide in the bet's rounding: each row is judged on its own
        // (the net 15.56 could come from rounding both amounts, the payout 29.09 cannot).
        #expect(F.kinds(won, [F.entry("bet", "-13.53", n: 1), F.entry("settle", "29.09", n: 2)]) == ["net_mismatch"])
        #expect(F.kinds(won, [F.entry("bet", "-13.53", n: 1), F.entry("settle", "29.10", n: 2)]) == ["net_mismatch"])
        // Cashout 13.55 of a 13.5285 risk: expected 0.0215.
        let cashout = F.ticket("running", stake: "15.55", cashout: "13.55", price: "-0.87", odds: 1)
        #expect(F.kinds(cashout, [F.entry("bet", "-13.53", n: 1), F.entry("cashout", "13.55", n: 2)]) == [])
    }

    @Test func anAmountThatFitsComparesExactly() {
        // A USD settle 0.01 off is reported.
        #expect(F.kinds(F.ticket("won", net: "85"), [F.entry("bet", "-100", n: 1), F.entry("settle", "185.01", n: 2)]) == ["net_mismatch"])
        #expect(F.kinds(F.ticket("running"), [F.entry("bet", "-100.01", n: 1)]) == ["stake_mismatch"])
    }

    // VND (Saba id 51) is in thousands and booked in whole dong: 30.8757 thousand is 30,875.7 dong.
    @Test func thousandUnitCurrenciesAreBookedInWholeUnits() {
        let won = F.ticket("won", stake: "20", net: "30.8757", currency: 51)
        #expect(F.kinds(won, [F.entry("bet", "-20000", n: 1, currency: "VND"), F.entry("settle", "50876", n: 2, currency: "VND")]) == [])
        #expect(F.kinds(won, [F.entry("bet", "-20000", n: 1, currency: "VND"), F.entry("settle", "50875", n: 2, currency: "VND")]) == [])
        let off = TicketMatcher(policy: F.policy()).match(ticket: won, entries: [F.entry("bet", "-20000", n: 1, currency: "VND"), F.entry("settle", "50877", n: 2, currency: "VND")])
        #expect(off.rows.map(\.kind) == [.netMismatch])
        #expect(off.rows.first?.providerNet == F.d("30875.7") && off.rows.first?.ledgerNet == 30877)
        // A VND amount that fits (a whole dong) compares exactly.
        #expect(F.kinds(F.ticket("won", stake: "20", net: "30", currency: 51), [F.entry("bet", "-20000", n: 1, currency: "VND"), F.entry("settle", "50001", n: 2, currency: "VND")]) == ["net_mismatch"])
    }

    @Test func theToleranceIsPerCurrency() {
        let usd = F.ticket("won", net: "85")
        let vnd = F.ticket("won", stake: "20", net: "30", currency: 51)
        let table = F.policy(tolerance: "USD=0.01,VND=1")
        #expect(F.kinds(usd, [F.entry("bet", "-100", n: 1), F.entry("settle", "185.01", n: 2)], policy: table) == [])
        #expect(F.kinds(usd, [F.entry("bet", "-100", n: 1), F.entry("settle", "185.99", n: 2)], policy: table) == ["net_mismatch"])
        #expect(F.kinds(vnd, [F.entry("bet", "-20000", n: 1, currency: "VND"), F.entry("settle", "50001", n: 2, currency: "VND")], policy: table) == [])
        #expect(F.kinds(vnd, [F.entry("bet", "-20000", n: 1, currency: "VND"), F.entry("settle", "50002", n: 2, currency: "VND")], policy: table) == ["net_mismatch"])
        // One amount for every currency would hide 0.99 USD to allow 1 dong: the table does not.
        let one = F.policy(tolerance: "1")
        #expect(F.kinds(usd, [F.entry("bet", "-100", n: 1), F.entry("settle", "185.99", n: 2)], policy: one) == [])
        // A default for the rest beside a table.
        let mixed = F.policy(tolerance: "0.5,USD=0")
        #expect(F.kinds(usd, [F.entry("bet", "-100", n: 1), F.entry("settle", "185.01", n: 2)], policy: mixed) == ["net_mismatch"])
        #expect(F.kinds(vnd, [F.entry("bet", "-20000", n: 1, currency: "VND"), F.entry("settle", "50000.5", n: 2, currency: "VND")], policy: mixed) == [])
    }

    @Test func theCurrencyTableDecidesTheMinorUnit() {
        #expect(CurrencyTable.builtIn[3]?.decimals == 2)
        #expect(CurrencyTable.builtIn[51]?.decimals == 0)
        #expect(CurrencyTable.builtIn[15]?.decimals == 0)
        #expect(CurrencyTable.builtIn[32]?.decimals == 0 && CurrencyTable.builtIn[45]?.decimals == 0)
        #expect(CurrencyTable.builtIn.decimals(of: "KWD") == 3)
        // Overridable: a wallet that books USD in whole cents of a cent.
        let table = CurrencyTable.builtIn.merging([3: CurrencyInfo(code: "USD", decimals: 4)])
        #expect(table.decimals(of: "USD") == 4)
        var policy = F.policy()
        policy.currencies = table
        #expect(F.kinds(RoundingVerdictTests.odd, [F.entry("bet", "-13.53", n: 1), F.entry("settle", "0", n: 2)], policy: policy) == ["stake_mismatch"])
    }
}

@Suite struct LedgerShapeVerdictTests {
    typealias F = Fixture

    @Test(arguments: ["void", "refund", "reject"])
    func aReturnedTicketWithNoLedgerRowsIsReconciled(status: String) {
        let outcome = TicketMatcher(policy: F.policy()).match(ticket: F.ticket(status, net: "0"), entries: [])
        #expect(outcome.rows.isEmpty)
        #expect(outcome.controls.first?.tickets == 1)
        // A ticket that moved money and has no rows is still missing.
        #expect(F.kinds(F.ticket("won", net: "85"), []) == ["missing_in_ledger"])
        #expect(F.kinds(F.ticket(status, net: "0", cashout: "60"), []) == ["missing_in_ledger"])
    }

    @Test func otherLedgerKindsCountTowardTheNet() {
        // An operator's adjust and an unsettle/settle pair.
        #expect(F.kinds(F.ticket("won", net: "85"), [F.entry("bet", "-100", n: 1), F.entry("settle", "150", n: 2), F.entry("adjust", "35", n: 3)]) == [])
        #expect(F.kinds(F.ticket("won", net: "85"), [F.entry("bet", "-100", n: 1), F.entry("settle", "185", n: 2), F.entry("unsettle", "-185", n: 3), F.entry("settle", "185", n: 4)]) == [])
        #expect(F.kinds(F.ticket("won", net: "85"), [F.entry("bet", "-100", n: 1), F.entry("settle", "185", n: 2), F.entry("unsettle", "-185", n: 3)]) == ["net_mismatch"])
    }

    @Test func severalBetRowsThatAddUpToTheStakeAtRiskAreOneDebit() {
        // A bet and its ConfirmBet correction (the odds changed at confirmation).
        #expect(F.kinds(F.ticket("running"), [F.entry("bet", "-90", n: 1), F.entry("bet", "-10", n: 2)]) == [])
        let malay = F.ticket("running", price: "-0.80", odds: 1)
        #expect(F.kinds(malay, [F.entry("bet", "-100", n: 1), F.entry("bet", "20", n: 2)]) == [])
        // The same whole debit twice is a duplicate, and only that.
        let twice = TicketMatcher(policy: F.policy()).match(ticket: malay, entries: [F.entry("bet", "-80", n: 1), F.entry("bet", "-80", n: 2)])
        #expect(twice.rows.map(\.kind) == [.duplicateEntry])
        #expect(twice.rows[0].ledgerEntryIds == ["e-1001-bet-2"])
        // Rows that are neither the debit in all nor each the whole debit: the stake is wrong.
        #expect(F.kinds(malay, [F.entry("bet", "-80", n: 1), F.entry("bet", "-5", n: 2)]) == ["stake_mismatch"])
    }
}

@Suite struct ResettleOrderTests {
    typealias F = Fixture
    let first = UTCTime.parse("2026-07-11T10:00:00Z")!
    let second = UTCTime.parse("2026-07-12T10:00:00Z")!

    /// lose (-100) -> won (+85) on the 11th -> half won (+42.5) on the 12th, sent out of order.
    func ticket() -> Ticket {
        F.ticket("half won", net: "42.5", resettles: [
            Resettle(resettleDate: second, balanceChange: true, status: .won, reSettlePrice: F.d("85")),
            Resettle(resettleDate: first, balanceChange: true, status: .lose, reSettlePrice: F.d("-100")),
        ])
    }

    @Test func resettlesAreOrderedByDate() {
        #expect(ExpectedNet.balanceChanges(ticket()).map(\.reSettlePrice) == [F.d("-100"), F.d("85")])
        #expect(ExpectedNet.beforeLastResettle(ticket()) == 85)
    }

    @Test func aLedgerOnAnyEarlierResultIsResettleNotApplied() {
        let applied = [F.entry("bet", "-100", n: 1), F.entry("settle", "0", n: 2), F.entry("resettle", "185", n: 3), F.entry("resettle", "-42.5", n: 4)]
        #expect(F.kinds(ticket(), applied) == [])
        // Only the last resettle missed.
        let oneMissed = TicketMatcher(policy: F.policy()).match(ticket: ticket(), entries: Array(applied.prefix(3)))
        #expect(oneMissed.rows.map(\.kind) == [.resettleNotApplied])
        #expect(oneMissed.rows[0].detail == "ledger still shows the result before the resettle of 2026-07-12T10:00:00Z (won 85.00); current result 42.50")
        // Both missed: the ledger still holds the first result (was net_mismatch).
        let bothMissed = TicketMatcher(policy: F.policy()).match(ticket: ticket(), entries: Array(applied.prefix(2)))
        #expect(bothMissed.rows.map(\.kind) == [.resettleNotApplied])
        #expect(bothMissed.rows[0].detail == "ledger still shows the result before the resettle of 2026-07-11T10:00:00Z (lose -100.00); 2 balance-changing resettles since were not applied; current result 42.50")
    }
}

@Suite struct RefundVerdictTests {
    typealias F = Fixture
    let t = UTCTime.parse("2026-07-10T09:00:00Z")!
    var matcher: RefundMatcher { RefundMatcher(policy: F.policy()) }

    func ebetLine(response: String) -> String {
        "{\"received_at\":\"2026-07-10T09:00:00Z\",\"provider\":\"ebet\",\"request\":{\"seqNo\":\"b1\",\"event\":\"autoBatchRefund\",\"timestamp\":1783674000000,\"currency\":\"CNY\",\"batchRefundList\":[{\"seqNo\":\"s1\",\"username\":\"u\",\"roundCode\":\"R1\",\"refundMoney\":20},{\"seqNo\":\"s2\",\"username\":\"v\",\"roundCode\":\"R2\",\"refundMoney\":5}]},\"response\":\(response)}"
    }

    func answers(_ response: String) throws -> [Int?] {
        try Seeds.records(ebetLine(response: response)).map { r -> Int? in
            guard case .ebet(let e) = r else { return -1 }
            return e.answer
        }
    }

    @Test func anEBETAnswerWithoutRefundResultListAnswersEveryItemWithItsStatus() throws {
        #expect(try answers("{\"seqNo\":\"b1\",\"event\":\"autoBatchRefund\",\"timestamp\":1783674000000,\"status\":200}") == [200, 200])
        #expect(try answers("{\"seqNo\":\"b1\",\"event\":\"autoBatchRefund\",\"timestamp\":1783674000000,\"status\":209}") == [209, 209])
        #expect(try answers("{\"seqNo\":\"b1\",\"status\":\"200\",\"refundResultList\":null}") == [200, 200])
        // A failing top-level status answers every item as failed.
        #expect(try answers("{\"seqNo\":\"b1\",\"status\":500}") == [500, 500])
        // With the list present, an item missing from it was answered as failed.
        #expect(try answers("{\"seqNo\":\"b1\",\"status\":200,\"refundResultList\":[{\"sucRefundSeqNoList\":[{\"refundSeqNo\":\"s1\",\"status\":200}]}]}") == [200, nil])
        // And the verdict follows: acknowledged, booked correctly, no row.
        guard case .ebet(let item)? = try Seeds.records(ebetLine(response: "{\"seqNo\":\"b1\",\"status\":200}")).first else { Issue.record("no record"); return }
        let round = [LedgerEntry(entryId: "w1", provider: "ebet", ticketId: "R1", memberId: "u", kind: "bet", amount: -20, currency: "CNY", createdAt: t),
                     LedgerEntry(entryId: "w2", provider: "ebet", ticketId: "R1", memberId: "u", kind: "refund", amount: 20, currency: "CNY", createdAt: t, ref: "s1")]
        #expect(matcher.ebet(item, round: round) == .rows([]))
    }

    func fold(_ answer: String) -> JdbCancelFold {
        let line = JdbCancel(transferId: "9", uid: "u", currency: "CNY", answer: answer, time: t, location: RecordLocation(file: "j.jsonl", line: 1))
        return JdbCancelFold(first: line, lines: [line])
    }

    func move(_ kind: String, _ amount: String, _ n: Int) -> LedgerEntry {
        LedgerEntry(entryId: "j-\(n)", provider: "jdb", ticketId: "9", memberId: "u", kind: kind, amount: F.d(amount), currency: "CNY", createdAt: t)
    }

    func kinds(_ v: RefundMatcher.Verdict) -> [String] {
        if case .rows(let rows) = v { return rows.map(\.kind.rawValue) }
        return ["<\(v)>"]
    }

    @Test func anEBETRefundOfMoreDecimalsThanTheCurrencyIsJudgedWithItsRounding() {
        // detail 10.005 and refundMoney 10.005, booked -10.01 and +10.00: each rounded on its own.
        let item = EbetRefund(seqNo: "s1", batchSeqNo: "b", username: "u", roundCode: "R1", refundMoney: F.d("10.005"), detailSum: F.d("10.005"),
                              currency: "CNY", answer: 200, responseLogged: true, time: t, location: RecordLocation(file: "e.jsonl", line: 1))
        func round(_ bet: String, _ credit: String) -> [LedgerEntry] {
            [LedgerEntry(entryId: "w1", provider: "ebet", ticketId: "R1", memberId: "u", kind: "bet", amount: F.d(bet), currency: "CNY", createdAt: t),
             LedgerEntry(entryId: "w2", provider: "ebet", ticketId: "R1", memberId: "u", kind: "refund", amount: F.d(credit), currency: "CNY", createdAt: t, ref: "s1")]
        }
        #expect(kinds(matcher.ebet(item, round: round("-10.01", "10.00"))) == [])
        #expect(kinds(matcher.ebet(item, round: round("-10.01", "10.01"))) == [])
        #expect(kinds(matcher.ebet(item, round: round("-10.01", "9.98"))) == ["refund_amount_mismatch"])
    }

    @Test func aJDBReversalIsJudgedByTheTransfersNet() {
        let transfer = [move("bet", "-10", 1), move("settle", "4", 2)]
        // Two rows: return the bet, take back the win (was refund_applied_twice).
        #expect(kinds(matcher.jdb(fold("0000"), entries: transfer + [move("cancel", "10", 3), move("cancel", "-4", 4)])) == [])
        #expect(kinds(matcher.jdb(fold("0000"), entries: transfer + [move("refund", "10", 3), move("cancel", "-4", 4), move("cancel", "0", 5)])) == [])
        // Past zero by a whole second reversal, in one row or four.
        #expect(kinds(matcher.jdb(fold("0000"), entries: transfer + [move("cancel", "12", 3)])) == ["refund_applied_twice"])
        #expect(kinds(matcher.jdb(fold("0000"), entries: transfer + [move("cancel", "10", 3), move("cancel", "-4", 4), move("cancel", "10", 5), move("cancel", "-4", 6)])) == ["refund_applied_twice"])
        // Past zero by something else: the amount is wrong.
        #expect(kinds(matcher.jdb(fold("0000"), entries: transfer + [move("cancel", "10", 3)])) == ["refund_amount_mismatch"])
    }
}

@Suite struct MoneyArithmeticTests {
    typealias F = Fixture

    @Test func multiplicationIsExact() {
        #expect(F.d("15.55").multiplied(by: F.d("0.87")) == F.d("13.5285"))
        #expect(F.d("100").multiplied(by: F.d("1.25")) == 125)
        #expect(F.d("-2.5").multiplied(by: F.d("0.5")) == F.d("-1.25"))
        #expect(F.d("0.000001").multiplied(by: F.d("0.0000015")) == F.d("0.000000000002"))  // half to even below 10^-12
        #expect(F.d("999999999999999").multiplied(by: F.d("999999999999999")) == nil)
    }

    @Test func roundingToMinorUnits() {
        #expect(F.d("13.5285").rounded(decimals: 2) == F.d("13.53"))
        #expect(F.d("13.525").rounded(decimals: 2) == F.d("13.52"))
        #expect(F.d("-13.535").rounded(decimals: 2) == F.d("-13.54"))
        #expect(F.d("30875.7").rounded(decimals: 0) == 30876)
        #expect(F.d("13.5285").fits(decimals: 4) && !F.d("13.5285").fits(decimals: 3))
        #expect(Money.minorUnit(decimals: 0) == 1 && Money.minorUnit(decimals: 2) == F.d("0.01"))
    }

    @Test func toleranceTables() throws {
        #expect(try ToleranceTable.parse("0.01") == ToleranceTable(all: F.d("0.01")))
        #expect(try ToleranceTable.parse("USD=0.01, vnd=1") == ToleranceTable(perCurrency: ["USD": F.d("0.01"), "VND": 1]))
        #expect(try ToleranceTable.parse("0.5,VND=1").description == "0.5,VND=1")
        #expect(try ToleranceTable.parse("0.5,VND=1")["USD"] == F.d("0.5"))
        #expect(try ToleranceTable.parse("0.5,VND=1").inForce == ["*": "0.50", "VND": "1.00"])
        for bad in ["", "-1", "USD=", "USD=-0.01", "USD=1,USD=2", "1,2", "U\u{0301}SD=1", "x y=1", "1,,VND=1"] {
            #expect(throws: ToleranceTable.Invalid.self) { try ToleranceTable.parse(bad) }
        }
    }
}
