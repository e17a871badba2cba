import Foundation
import Testing
@testable import SabaReconCore

/// The providers' own examples (../shared/seeds), one JSON Lines line each.
enum Seeds {
    static func line(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Seeds/\(name).json")
        return try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\n", with: " ")
    }

    static func parse(_ line: String, line number: Int = 1) -> RefundRecordParser.Parsed {
        RefundRecordParser.parse(line: Array(line.utf8), at: RecordLocation(file: "t.jsonl", line: number))
    }

    static func records(_ line: String) throws -> [RefundRecord] {
        guard case .records(let r) = parse(line) else {
            Issue.record("not parsed: \(parse(line))")
            return []
        }
        return r
    }
}

@Suite struct RefundRecordParserTests {
    @Test func eBETSeedExampleVerbatim() throws {
        let records = try Seeds.records(Seeds.line("ebet-request"))
        guard case .ebet(let r)? = records.first, records.count == 1 else { Issue.record("\(records)"); return }
        #expect(r.seqNo == "d34fbd4e4734d430c05f443da281d92b")
        #expect(r.batchSeqNo == "ee41edc558292f232e992cd011fec3f2")
        #expect(r.username == "demo" && r.roundCode == "BP1-230511141338" && r.currency == "CNY")
        #expect(r.refundMoney == 20 && r.detailSum == 1000)
        #expect(r.answer == nil && !r.responseLogged)
        #expect(r.time == Date(timeIntervalSince1970: 1_683_786_010.043))
    }

    @Test func eBETEnvelopeCarriesThePerItemAnswer() throws {
        let envelope = "{\"received_at\":\"2023-05-11T06:20:10Z\",\"provider\":\"ebet\",\"request\":\(try Seeds.line("ebet-request")),\"response\":\(try Seeds.line("ebet-response"))}"
        guard case .ebet(let r)? = try Seeds.records(envelope).first else { Issue.record("no record"); return }
        #expect(r.answer == 200 && r.responseLogged)
        #expect(r.time == UTCTime.parse("2023-05-11T06:20:10Z"))
        // The envelope and the raw message describe the same refund.
        guard case .ebet(let raw)? = try Seeds.records(Seeds.line("ebet-request")).first else { return }
        #expect((r.seqNo, r.roundCode, r.username, r.refundMoney, r.detailSum) == (raw.seqNo, raw.roundCode, raw.username, raw.refundMoney, raw.detailSum))
    }

    @Test func jdbSeedExampleVerbatimRawAndEnveloped() throws {
        guard case .jdb(let raw)? = try Seeds.records(Seeds.line("jdb-request")).first else { Issue.record("no record"); return }
        #expect(raw.transferId == "123456789" && raw.uid == "testpl01" && raw.currency == "RB" && raw.answer == nil)
        #expect(raw.time == Date(timeIntervalSince1970: 1_447_452_951.82))
        let envelope = "{\"received_at\":\"2015-11-13T22:15:51Z\",\"provider\":\"jdb\",\"request\":\(try Seeds.line("jdb-request")),\"response\":\(try Seeds.line("jdb-response"))}"
        guard case .jdb(let logged)? = try Seeds.records(envelope).first else { Issue.record("no record"); return }
        #expect(logged.answer == "0000")
        #expect((logged.transferId, logged.uid, logged.currency) == (raw.transferId, raw.uid, raw.currency))
        // A body logged as a JSON string is read the same way.
        let stringly = "{\"received_at\":\"2015-11-13T22:15:51Z\",\"provider\":\"jdb\",\"request\":\(quoted(try Seeds.line("jdb-request"))),\"response\":null}"
        guard case .jdb(let s)? = try Seeds.records(stringly).first else { Issue.record("string body not read"); return }
        #expect(s.transferId == "123456789" && s.answer == nil)
    }

    func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    @Test func feedSeedExamplesVerbatim() throws {
        guard case .betCancel(let c)? = try Seeds.records(Seeds.line("bet-cancel")).first else { Issue.record("no cancel"); return }
        #expect(c.eventId == "sr:match:65763330")
        #expect(c.markets == [CancelledMarket(id: "303", specifiers: "quarternr=1|hcp=-1.5", name: "quarter - handicap", voidReason: "比赛取消")])
        #expect(c.start == Date(timeIntervalSince1970: 1_764_843_600) && c.end == Date(timeIntervalSince1970: 1_764_847_200))
        guard case .betStop(let s)? = try Seeds.records(Seeds.line("bet-stop")).first else { Issue.record("no stop"); return }
        #expect(s.eventId == "sr:match:65763330" && s.groups == "all" && s.time == Date(timeIntervalSince1970: 1_764_843_686.186))
    }

    @Test(arguments: [
        ("{\"event\":\"autoBatchRefund\",\"seqNo\":", "not JSON"),
        ("hello", "not JSON"),
        ("[1,2]", "not a JSON object"),
        ("{\"foo\":1}", "unrecognised record"),
        ("{\"cmd\":10020,\"data\":{}}", "cmd 10020"),
        ("{\"event\":\"autoBatchRefund\",\"seqNo\":\"b\",\"timestamp\":1,\"batchRefundList\":[{\"seqNo\":\"x\",\"username\":\"u\",\"roundCode\":\"r\",\"refundMoney\":\"ten\"}]}", "refundMoney 'ten'"),
        ("{\"action\":4,\"uid\":\"u\",\"ts\":1}", "transferId"),
        ("{\"cmd\":10050,\"time\":1,\"data\":{\"event_id\":\"e\",\"market\":[]}}", "lists no market"),
    ])
    func badLinesAreMalformedWithAReason(line: String, reason: String) {
        guard case .malformed(let m) = Seeds.parse(line, line: 7) else { Issue.record("accepted: \(line)"); return }
        #expect(m.location == RecordLocation(file: "t.jsonl", line: 7))
        #expect(m.reason.contains(reason), "\(m.reason)")
        // The break book names a bad line by its bytes, wherever it is in the file.
        #expect(m.digest == SHA256.hex(Array(line.utf8)))
    }

    @Test func blankLinesAreNotRecords() {
        #expect(Seeds.parse("   \r") == .blank)
    }
}

@Suite struct RefundBookTests {
    func jdb(_ transfer: String, _ answer: String?, at seconds: Double) -> RefundRecordParser.Parsed {
        .records([.jdb(JdbCancel(transferId: transfer, uid: "u", currency: "CNY", answer: answer, time: Date(timeIntervalSince1970: seconds),
                                 location: RecordLocation(file: "j", line: Int(seconds))))])
    }

    @Test func jdbRetriesFoldIntoOneCancel() {
        var book = RefundBook()
        for k in 0..<60 { book.add(jdb("1", "9017", at: Double(k * 60))) }
        #expect(book.jdb["1"]?.outcome == .pending)
        book.add(jdb("1", "0000", at: 3600))
        #expect(book.jdb.count == 1)
        #expect(book.jdb["1"]?.outcome == .cancel(answer: "0000"))
        #expect(book.duplicatesFolded == 60)
        book.add(jdb("2", "6101", at: 10))
        #expect(book.jdb["2"]?.outcome == .rejected)
        book.add(jdb("3", nil, at: 10))
        #expect(book.jdb["3"]?.outcome == .cancel(answer: nil))
        // Another code counts as success (JDB: anything but 6101 and 9017).
        book.add(jdb("4", "1234", at: 10))
        #expect(book.jdb["4"]?.outcome == .cancel(answer: "1234"))
    }

    @Test func aBatchLoggedTwiceIsOneSetOfRefunds() throws {
        var book = RefundBook()
        let line = try Seeds.line("ebet-request")
        book.add(Seeds.parse(line, line: 1))
        book.add(Seeds.parse(line, line: 2))
        #expect(book.ebet.count == 1)
        #expect(book.duplicatesFolded == 1)
        #expect(book.linesRead == 2 && book.recordsRecognised == 2)
    }

    @Test func betCancelIsDeduplicatedOnEventMarketSpecifiersAndRange() throws {
        var book = RefundBook()
        let line = try Seeds.line("bet-cancel")
        book.add(Seeds.parse(line))
        book.add(Seeds.parse(line))
        book.add(Seeds.parse(line.replacingOccurrences(of: "1764847200000", with: "1764847300000")))
        #expect(book.cancels.count == 2)
        #expect(book.duplicatesFolded == 1)
    }
}

@Suite struct RefundMatcherTests {
    typealias F = Fixture
    let t = UTCTime.parse("2026-07-10T09:00:00Z")!
    var matcher: RefundMatcher { RefundMatcher(policy: F.policy(), marketGroups: ["303": "handicap"]) }
    let here = RecordLocation(file: "r.jsonl", line: 3)

    func ebet(answer: Int? = 200, logged: Bool = true, money: String = "20", detail: String? = "20") -> EbetRefund {
        EbetRefund(seqNo: "s1", batchSeqNo: "b", username: "demo", roundCode: "BP1", refundMoney: F.d(money), detailSum: detail.map(F.d),
                   currency: "CNY", answer: answer, responseLogged: logged, time: t, location: here)
    }

    func move(_ kind: String, _ amount: String, provider: String = "ebet", ticket: String = "BP1", ref: String? = "s1", n: Int = 1) -> LedgerEntry {
        LedgerEntry(entryId: "\(provider)-\(n)", provider: provider, ticketId: ticket, memberId: "demo", kind: kind, amount: F.d(amount),
                    currency: "CNY", createdAt: t.addingTimeInterval(5), ref: ref)
    }

    func kinds(_ v: RefundMatcher.Verdict) -> [String] {
        if case .rows(let rows) = v { return rows.map(\.kind.rawValue) }
        return ["<\(v)>"]
    }

    /// Seed 002: an item names a failed bet; its refund is judged through the bet's debit.
    @Test func eBETRefundsAreJudgedThroughTheBetTheyRefund() {
        let debit = move("bet", "-20", ref: nil, n: 10)      // found by member: the wallet kept no seqNo
        let credit = move("refund", "20")
        #expect(kinds(matcher.ebet(ebet(), round: [debit, credit])) == [])
        #expect(kinds(matcher.ebet(ebet(answer: 209), round: [debit, move("refund", "20", ref: "operator-own", n: 2)])) == [])
        #expect(kinds(matcher.ebet(ebet(answer: nil, logged: false), round: [debit, credit])) == [])
        #expect(kinds(matcher.ebet(ebet(), round: [debit])) == ["refund_not_applied"])
        // Nothing moved (no debit, no credit): nothing owed (was a false refund_not_applied).
        #expect(kinds(matcher.ebet(ebet(), round: [])) == [])
        // The debit may carry the seqNo as its ref: not a second refund (was a false refund_applied_twice).
        #expect(kinds(matcher.ebet(ebet(), round: [move("bet", "-20", ref: "s1", n: 11), credit])) == [])
        #expect(kinds(matcher.ebet(ebet(), round: [credit])) == ["refund_without_bet"])
        #expect(kinds(matcher.ebet(ebet(), round: [debit, move("refund", "20", n: 1), move("refund", "20", n: 2)])) == ["refund_applied_twice"])
        #expect(kinds(matcher.ebet(ebet(), round: [debit, move("refund", "2")])) == ["refund_amount_mismatch"])
        #expect(kinds(matcher.ebet(ebet(), round: [move("bet", "-19", ref: nil, n: 10), credit])) == ["refund_amount_mismatch"])
        // Another member's bet in the same round is not this item's debit.
        var other = debit
        other.memberId = "someone-else"
        #expect(kinds(matcher.ebet(ebet(), round: [other, credit])) == ["refund_without_bet"])
        // Answered as failed (absent from sucRefundSeqNoList): eBET sends it again.
        #expect(matcher.ebet(ebet(answer: nil, logged: true), round: [debit]) == .notJudged(reason: "answered as failed"))
        #expect(kinds(matcher.ebet(ebet(answer: nil, logged: true), round: [debit, credit])) == ["refund_applied_after_failure"])
    }

    /// eBET's own example, verbatim: refundMoney 20 for a bet whose detail money is 1000. It
    /// is reported through the bet it refunds, not trusted.
    @Test func eBETSeedExampleIsReportedThroughItsBet() throws {
        let envelope = "{\"received_at\":\"2023-05-11T06:20:10Z\",\"provider\":\"ebet\",\"request\":\(try Seeds.line("ebet-request")),\"response\":\(try Seeds.line("ebet-response"))}"
        guard case .ebet(let r)? = try Seeds.records(envelope).first else { Issue.record("no record"); return }
        let now = UTCTime.parse("2023-06-01T00:00:00Z")!
        let plan = try WindowPlanner().plan(WindowPlanner.dayRange(from: "2023-05-01", to: "2023-05-31"), now: now, clamp: false)
        let seedMatcher = RefundMatcher(policy: MatchPolicy(plan: plan, now: now))
        func entry(_ id: String, _ kind: String, _ amount: String, ref: String?) -> LedgerEntry {
            LedgerEntry(entryId: id, provider: "ebet", ticketId: r.roundCode, memberId: r.username, kind: kind, amount: F.d(amount),
                        currency: "CNY", createdAt: r.time, ref: ref)
        }
        let verdict = seedMatcher.ebet(r, round: [entry("w1", "bet", "-1000", ref: nil), entry("w2", "refund", "20", ref: r.seqNo)])
        guard case .rows(let rows) = verdict, let row = rows.first else { Issue.record("\(verdict)"); return }
        #expect(rows.map(\.kind) == [.refundAmountMismatch])
        #expect(row.providerStake == F.d("1000") && row.providerNet == F.d("20") && row.ledgerNet == F.d("20"))
        #expect(row.fields.map(\.field) == ["bet_net"])
        #expect(row.detail.contains("net to -980.00"))
    }

    func fold(_ answers: [String?]) -> JdbCancelFold {
        let lines = answers.enumerated().map { JdbCancel(transferId: "9", uid: "u", currency: "CNY", answer: $0.element, time: t.addingTimeInterval(Double($0.offset) * 60), location: here) }
        return JdbCancelFold(first: lines[0], lines: lines)
    }

    @Test func jdb() {
        let transfer = [move("bet", "-10", provider: "jdb", ticket: "9", ref: nil, n: 1), move("settle", "4", provider: "jdb", ticket: "9", ref: nil, n: 2)]
        let reversal = move("cancel", "6", provider: "jdb", ticket: "9", ref: "c9", n: 3)
        #expect(kinds(matcher.jdb(fold(["0000"]), entries: transfer + [reversal])) == [])
        #expect(kinds(matcher.jdb(fold(["9017", "9017", "0000"]), entries: transfer + [reversal])) == [])
        #expect(kinds(matcher.jdb(fold([nil]), entries: transfer)) == ["refund_not_applied"])
        #expect(kinds(matcher.jdb(fold(["0000"]), entries: transfer)) == ["refund_not_applied"])
        var second = reversal
        second.entryId = "jdb-4"
        #expect(kinds(matcher.jdb(fold(["0000"]), entries: transfer + [reversal, second])) == ["refund_applied_twice"])
        var short = reversal
        short.amount = 5
        #expect(kinds(matcher.jdb(fold(["0000"]), entries: transfer + [short])) == ["refund_amount_mismatch"])
        #expect(kinds(matcher.jdb(fold(["6101"]), entries: transfer)) == [])
        #expect(kinds(matcher.jdb(fold(["6101"]), entries: transfer + [reversal])) == ["refund_reversed_after_reject"])
        // 6101: the settlement stands and JDB restores it; a ledger holding nothing for it lost it.
        #expect(kinds(matcher.jdb(fold(["6101"]), entries: [])) == ["settlement_missing_after_reject"])
        // A cancel for a transfer the wallet never booked: nothing to reverse.
        #expect(kinds(matcher.jdb(fold(["0000"]), entries: [])) == [])
    }

    func feedBet(_ minutes: Double, specifiers: String = "hcp=-1.5", market: String = "303", event: String = "E1") -> LedgerEntry {
        LedgerEntry(entryId: "fb", provider: "feed", ticketId: "B1", memberId: "p", kind: "bet", amount: -50, currency: "USD",
                    createdAt: t.addingTimeInterval(minutes * 60), eventId: event, marketId: market, specifiers: specifiers)
    }

    @Test func betCancel() {
        let market = CancelledMarket(id: "303", specifiers: "hcp=-1.5", name: "hcp", voidReason: "abandoned")
        let cancel = BetCancel(eventId: "E1", markets: [market], start: t, end: t.addingTimeInterval(3600), time: t.addingTimeInterval(3600), location: here)
        let bet = feedBet(10)
        var refund = bet
        refund.kind = "refund"
        refund.amount = 50
        refund.entryId = "fr"
        #expect(kinds(matcher.cancel(cancel, market, bet: bet, entries: [bet, refund])) == [])
        #expect(kinds(matcher.cancel(cancel, market, bet: bet, entries: [bet])) == ["void_not_applied"])
        #expect(!RefundMatcher.covers(cancel, market, bet: feedBet(-1)))
        #expect(!RefundMatcher.covers(cancel, market, bet: feedBet(61)))
        #expect(RefundMatcher.covers(cancel, market, bet: feedBet(60)))
        #expect(!RefundMatcher.covers(cancel, market, bet: feedBet(10, specifiers: "hcp=-2.5")))
        #expect(!RefundMatcher.covers(cancel, market, bet: feedBet(10, market: "304")))
        #expect(!RefundMatcher.covers(cancel, market, bet: feedBet(10, event: "E2")))
        // Open bounds and no specifiers cover everything on the market.
        let open = BetCancel(eventId: "E1", markets: [CancelledMarket(id: "303", specifiers: nil, name: "", voidReason: "")], start: nil, end: nil, time: t, location: here)
        #expect(RefundMatcher.covers(open, open.markets[0], bet: feedBet(-1000, specifiers: "anything")))
    }

    /// SPEC 1.4: specifiers are a set of key=value pairs; the order they are written in does
    /// not name another line. (Compared as text, a cancelled bet that kept its stake was missed.)
    @Test func reorderedSpecifiersNameTheSameMarketLine() {
        let market = CancelledMarket(id: "303", specifiers: "quarternr=1|hcp=-1.5", name: "hcp", voidReason: "abandoned")
        let cancel = BetCancel(eventId: "E1", markets: [market], start: t, end: t.addingTimeInterval(3600), time: t.addingTimeInterval(3600), location: here)
        let bet = feedBet(10, specifiers: "hcp=-1.5|quarternr=1")
        #expect(RefundMatcher.covers(cancel, market, bet: bet))
        #expect(kinds(matcher.cancel(cancel, market, bet: bet, entries: [bet])) == ["void_not_applied"])
        #expect(!RefundMatcher.covers(cancel, market, bet: feedBet(10, specifiers: "hcp=-1.5|quarternr=2")))
        #expect(!RefundMatcher.covers(cancel, market, bet: feedBet(10, specifiers: "hcp=-1.5")))
    }

    /// Seed 003: JDB resends a 9017 every minute for one hour and then stops. A 62-line 9017
    /// history is a cancel nobody decided; a 9017 from the last hour is still pending.
    @Test func jdbAnsweredOnly9017ForMoreThanAnHourIsUnresolved() {
        let transfer = [move("bet", "-10", provider: "jdb", ticket: "9", ref: nil, n: 1), move("settle", "4", provider: "jdb", ticket: "9", ref: nil, n: 2)]
        let history = fold(Array(repeating: "9017", count: 62))
        #expect(kinds(matcher.jdb(history, entries: transfer)) == ["refund_unresolved"])
        let fresh = [JdbCancel(transferId: "9", uid: "u", currency: "CNY", answer: "9017", time: F.now.addingTimeInterval(-30 * 60), location: here)]
        #expect(matcher.jdb(JdbCancelFold(first: fresh[0], lines: fresh), entries: transfer) == .notJudged(reason: "pending (9017)"))
        // A decision after the retries settles it as usual.
        #expect(kinds(matcher.jdb(fold(Array(repeating: "9017", count: 61) + ["0000"]), entries: transfer)) == ["refund_not_applied"])
    }

    /// Seed 001: deactivated markets never reopen, so a bet an hour later is reported; a
    /// suspended one may reopen, so a bet ten minutes later is not.
    @Test func aDeactivatedMarketReportsLateBetsASuspendedOneDoesNot() {
        let deactivated = BetStop(eventId: "E1", groups: "all", marketStatus: "deactivated", time: t, location: here)
        #expect(kinds(matcher.stop(deactivated, bet: feedBet(60))) == ["accepted_after_bet_stop"])
        let suspended = BetStop(eventId: "E1", groups: "all", marketStatus: "suspended", time: t, location: here)
        #expect(matcher.stop(suspended, bet: feedBet(10)) == .notJudged(reason: "not covered"))
        #expect(kinds(matcher.stop(suspended, bet: feedBet(0.5))) == ["accepted_after_bet_stop"])
    }

    @Test func betStop() {
        let all = BetStop(eventId: "E1", groups: "all", marketStatus: nil, time: t, location: here)
        #expect(kinds(matcher.stop(all, bet: feedBet(0.5))) == ["accepted_after_bet_stop"])
        #expect(matcher.stop(all, bet: feedBet(-0.5)) == .notJudged(reason: "not covered"))
        #expect(matcher.stop(all, bet: feedBet(1.5)) == .notJudged(reason: "not covered"))
        let named = BetStop(eventId: "E1", groups: "handicap|totals", marketStatus: nil, time: t, location: here)
        #expect(kinds(matcher.stop(named, bet: feedBet(0.5))) == ["accepted_after_bet_stop"])
        let other = BetStop(eventId: "E1", groups: "totals", marketStatus: nil, time: t, location: here)
        #expect(kinds(matcher.stop(other, bet: feedBet(0.5))) == [])
        #expect(matcher.stop(named, bet: feedBet(0.5, market: "999")) == .notJudged(reason: "market not mapped to a group"))
    }

    @Test func recordsOutsideTheRangeAreNotJudged() {
        var old = ebet()
        old.time = UTCTime.parse("2026-06-01T00:00:00Z")!
        #expect(matcher.ebet(old, round: []) == .notJudged(reason: "out of range"))
    }

    @Test func aFreshRecordWithoutItsMovementIsPending() {
        var fresh = ebet()
        fresh.time = F.now.addingTimeInterval(-60)
        guard case .pending = matcher.ebet(fresh, round: [move("bet", "-20", ref: nil, n: 10)]) else { Issue.record("not pending"); return }
    }
}

@Suite struct RefundLookbackTests {
    @Test func earliestEvidenceCoversCancelWindowsAndLookback() {
        var book = RefundBook()
        let t = UTCTime.parse("2026-07-10T00:00:00Z")!
        let here = RecordLocation(file: "f", line: 1)
        book.add(.records([.jdb(JdbCancel(transferId: "1", uid: "u", currency: "RB", answer: "0000", time: t, location: here))]))
        #expect(book.earliestEvidence(lookback: 3600) == t.addingTimeInterval(-3600))
        let market = CancelledMarket(id: "1", specifiers: nil, name: "", voidReason: "")
        book.add(.records([.betCancel(BetCancel(eventId: "e", markets: [market], start: t.addingTimeInterval(-86_400 * 3), end: t, time: t, location: here))]))
        #expect(book.earliestEvidence(lookback: 3600) == t.addingTimeInterval(-86_400 * 3 - 3600))
        #expect(RefundBook().earliestEvidence(lookback: 60) == nil)
    }
}
