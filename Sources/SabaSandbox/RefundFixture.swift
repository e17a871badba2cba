import Foundation
import SabaReconCore

/// Refund-record files (JSON Lines, as a callback endpoint logs them) and the matching
/// wallet movements for eBET, JDB and the odds feed, with one seeded mistake of each
/// refund kind: the demo's and the tests' refund inputs.
public struct RefundFixture: Sendable {
    /// When the records were received; keep it inside the run's range and older than the grace period.
    public var base: Date

    public init(base: Date) {
        self.base = Date(timeIntervalSince1970: floor(base.timeIntervalSince1970))
    }

    public struct Output: Sendable {
        /// File name -> lines.
        public var files: [String: [String]]
        public var ledger: [LedgerEntry]
        public var seeded: [LedgerFixture.Seeded]
        /// Correct bookings that must give no row.
        public var clean: [LedgerFixture.Clean] = []
    }

    func ms(_ d: Date) -> String { String(Int64(d.timeIntervalSince1970 * 1000)) }
    func at(_ minutes: Double) -> Date { base.addingTimeInterval(minutes * 60) }

    public func make() -> Output {
        var ledger: [LedgerEntry] = []
        var seeded: [LedgerFixture.Seeded] = []
        var clean: [LedgerFixture.Clean] = []
        func move(_ provider: String, _ ticket: String, _ member: String, _ kind: String, _ amount: String, _ currency: String,
                  _ time: Date, ref: String? = nil, event: String? = nil, market: String? = nil, specifiers: String? = nil) {
            ledger.append(LedgerEntry(entryId: "\(provider)-\(ledger.count + 1)", provider: provider, ticketId: ticket, memberId: member,
                                      kind: kind, amount: Money.parse(amount) ?? 0, currency: currency, createdAt: time, ref: ref,
                                      eventId: event, marketId: market, specifiers: specifiers))
        }

        // eBET (seed 002): a notice that bets failed and must be refunded; logged with the
        // operator's answer (nil: answered as failed, absent from sucRefundSeqNoList); retried once.
        let items: [(seq: String, user: String, round: String, money: String, detail: [String], status: Int?)] = [
            ("eb-ok", "alice", "BP1-100", "20", ["20"], 200),
            ("eb-209", "bob", "BP1-101", "15.50", ["10", "5.50"], 209),
            ("eb-missing", "carol", "BP1-102", "30", ["30"], 200),
            ("eb-twice", "dave", "BP1-103", "12", ["12"], 200),
            ("eb-amount", "erin", "BP1-104", "40", ["40"], 200),
            ("eb-detail", "frank", "BP1-105", "25", ["20", "4"], 200),
            ("eb-nobet", "grace", "BP1-106", "10", ["10"], 200),
            ("eb-failed", "heidi", "BP1-107", "8", ["8"], nil),
            ("eb-nothing", "ivan", "BP1-108", "5", ["5"], 200),
        ]
        let batchTime = at(0)
        let list = items.map { i in
            "{\"seqNo\":\"\(i.seq)\",\"username\":\"\(i.user)\",\"roundCode\":\"\(i.round)\",\"refundMoney\":\(i.money),\"detail\":[\(i.detail.enumerated().map { "{\"betId\":\"\(i.seq)-\($0.offset)\",\"betType\":80,\"money\":\($0.element)}" }.joined(separator: ","))]}"
        }.joined(separator: ",")
        let request = "{\"channelId\":1,\"lastStartProcessTime\":\(ms(batchTime)),\"refundThreshold\":9999999999,\"sessionToken\":\"s\",\"seqNo\":\"batch-1\",\"batchRefundList\":[\(list)],\"currency\":\"CNY\",\"event\":\"autoBatchRefund\",\"timestamp\":\(ms(batchTime)),\"signature\":\"x\"}"
        let results = items.map { i in
            "{\"username\":\"\(i.user)\",\"roundCode\":\"\(i.round)\",\"refundTotalMoney\":\(i.money),\"sucRefundSeqNoList\":[\(i.status.map { "{\"seqNo\":\"\(i.seq)\",\"status\":\($0)}" } ?? "")]}"
        }.joined(separator: ",")
        let response = "{\"seqNo\":\"batch-1\",\"event\":\"autoBatchRefund\",\"timestamp\":\(ms(batchTime)),\"status\":200,\"refundResultList\":[\(results)]}"
        let envelope = "{\"received_at\":\"\(UTCTime.iso(batchTime))\",\"provider\":\"ebet\",\"request\":\(request),\"response\":\(response)}"
        // A second batch answered without refundResultList (seed 002 requires only seqNo, event,
        // timestamp and status): its top-level 200 acknowledges every item.
        let noListTime = at(3)
        let noListRequest = "{\"channelId\":1,\"sessionToken\":\"s\",\"seqNo\":\"batch-2\",\"batchRefundList\":[{\"seqNo\":\"eb-nolist\",\"username\":\"judy\",\"roundCode\":\"BP1-109\",\"refundMoney\":18,\"detail\":[{\"betId\":\"eb-nolist-0\",\"betType\":80,\"money\":18}]}],\"currency\":\"CNY\",\"event\":\"autoBatchRefund\",\"timestamp\":\(ms(noListTime)),\"signature\":\"x\"}"
        let noListResponse = "{\"seqNo\":\"batch-2\",\"event\":\"autoBatchRefund\",\"timestamp\":\(ms(noListTime)),\"status\":200}"
        let ebetLines = [envelope, envelope,
                         "{\"received_at\":\"\(UTCTime.iso(noListTime))\",\"provider\":\"ebet\",\"request\":\(noListRequest),\"response\":\(noListResponse)}"]
        move("ebet", "BP1-109", "judy", "bet", "-18", "CNY", at(-10))
        move("ebet", "BP1-109", "judy", "refund", "18", "CNY", at(4), ref: "eb-nolist")
        clean.append(LedgerFixture.Clean(provider: "ebet", transId: "eb-nolist", what: "eBET answer without refundResultList"))
        for i in items {
            let t = at(1)
            // The failed bet's debit, before the notice; the wallet keeps the seqNo on some debits.
            let bet = "-" + (i.seq == "eb-detail" ? "24" : i.money)
            switch i.seq {
            case "eb-ok":
                move("ebet", i.round, i.user, "bet", bet, "CNY", at(-10), ref: i.seq)
                move("ebet", i.round, i.user, "refund", i.money, "CNY", t, ref: i.seq)
            case "eb-209":
                // Refunded by the operator before eBET asked, under its own reference.
                move("ebet", i.round, i.user, "bet", bet, "CNY", at(-10))
                move("ebet", i.round, i.user, "refund", i.money, "CNY", at(-5), ref: "op-own-1")
            case "eb-missing":
                move("ebet", i.round, i.user, "bet", bet, "CNY", at(-10))
                seeded.append(LedgerFixture.Seeded(kind: .refundNotApplied, transId: i.seq, what: "eBET failed bet debited, never refunded"))
            case "eb-twice":
                move("ebet", i.round, i.user, "bet", bet, "CNY", at(-10))
                move("ebet", i.round, i.user, "refund", i.money, "CNY", t, ref: i.seq)
                move("ebet", i.round, i.user, "refund", i.money, "CNY", at(2), ref: i.seq)
                seeded.append(LedgerFixture.Seeded(kind: .refundAppliedTwice, transId: i.seq, what: "eBET refund credited twice"))
            case "eb-amount":
                move("ebet", i.round, i.user, "bet", bet, "CNY", at(-10))
                move("ebet", i.round, i.user, "refund", "4", "CNY", t, ref: i.seq)
                seeded.append(LedgerFixture.Seeded(kind: .refundAmountMismatch, transId: i.seq, what: "eBET refund of 40 credited as 4"))
            case "eb-detail":
                move("ebet", i.round, i.user, "bet", bet, "CNY", at(-10))
                move("ebet", i.round, i.user, "refund", i.money, "CNY", t, ref: i.seq)
                seeded.append(LedgerFixture.Seeded(kind: .refundAmountMismatch, transId: i.seq, what: "eBET refund of 25 for a bet of 24"))
            case "eb-nobet":
                move("ebet", i.round, i.user, "refund", i.money, "CNY", t, ref: i.seq)
                seeded.append(LedgerFixture.Seeded(kind: .refundWithoutBet, transId: i.seq, what: "eBET refund of a bet never debited"))
            case "eb-failed":
                move("ebet", i.round, i.user, "bet", bet, "CNY", at(-10))
                move("ebet", i.round, i.user, "refund", i.money, "CNY", t, ref: i.seq)
                seeded.append(LedgerFixture.Seeded(kind: .refundAppliedAfterFailure, transId: i.seq, what: "eBET item answered failed, credited"))
            default:
                break  // eb-nothing: no debit, no credit: nothing moved, nothing owed
            }
        }

        // JDB: BetNSettle transfers, then Action 4 cancels with JDB's retries.
        var jdbLines: [String] = []
        func cancel(_ transfer: String, _ uid: String, _ minute: Double, answer: String?) {
            let t = at(minute)
            let req = "{\"action\":4,\"ts\":\(ms(t)),\"transferId\":\(transfer),\"historyId\":\"h\(transfer)\",\"uid\":\"\(uid)\",\"currency\":\"RB\",\"gType\":0,\"mType\":8001}"
            if let answer {
                jdbLines.append("{\"received_at\":\"\(UTCTime.iso(t))\",\"provider\":\"jdb\",\"request\":\(req),\"response\":{\"status\":\"\(answer)\",\"balance\":\"100.00\",\"err_text\":\"\"}}")
            } else {
                jdbLines.append(req)
            }
        }
        func transfer(_ id: String, _ uid: String, reversals: [String]) {
            move("jdb", id, uid, "bet", "-10", "CNY", at(-5))
            move("jdb", id, uid, "settle", "4", "CNY", at(-5))
            for (k, amount) in reversals.enumerated() { move("jdb", id, uid, "cancel", amount, "CNY", at(Double(k) + 1.5), ref: "c\(id)") }
        }
        transfer("7001", "jp_ok", reversals: ["6"])
        cancel("7001", "jp_ok", 1, answer: "0000")
        transfer("7002", "jp_retry", reversals: ["6"])
        for m in 0..<3 { cancel("7002", "jp_retry", Double(m), answer: "9017") }
        cancel("7002", "jp_retry", 3, answer: "0000")
        transfer("7003", "jp_missing", reversals: [])
        cancel("7003", "jp_missing", 1, answer: "0000")
        seeded.append(LedgerFixture.Seeded(kind: .refundNotApplied, transId: "7003", what: "JDB cancel answered 0000, never reversed"))
        transfer("7004", "jp_twice", reversals: ["6", "6"])
        cancel("7004", "jp_twice", 1, answer: nil)
        seeded.append(LedgerFixture.Seeded(kind: .refundAppliedTwice, transId: "7004", what: "JDB transfer reversed twice"))
        transfer("7005", "jp_reject", reversals: ["6"])
        cancel("7005", "jp_reject", 1, answer: "6101")
        seeded.append(LedgerFixture.Seeded(kind: .refundReversedAfterReject, transId: "7005", what: "JDB answered 6101, reversed anyway"))
        transfer("7006", "jp_amount", reversals: ["5"])
        cancel("7006", "jp_amount", 1, answer: "0000")
        seeded.append(LedgerFixture.Seeded(kind: .refundAmountMismatch, transId: "7006", what: "JDB reversal of 6 booked as 5"))
        // A reversal booked as two rows (return the bet, take back the win): the transfer nets to zero.
        transfer("7009", "jp_tworows", reversals: ["10", "-4"])
        cancel("7009", "jp_tworows", 1, answer: "0000")
        clean.append(LedgerFixture.Clean(provider: "jdb", transId: "7009", what: "JDB reversal booked as two rows"))
        // JDB resends a 9017 every minute for an hour, then stops: nobody decided.
        transfer("7007", "jp_unresolved", reversals: [])
        for m in 0..<62 { cancel("7007", "jp_unresolved", Double(m), answer: "9017") }
        seeded.append(LedgerFixture.Seeded(kind: .refundUnresolved, transId: "7007", what: "JDB answered only 9017 for 62 minutes"))
        // 6101: the settlement stands, but the wallet holds nothing for the transfer.
        cancel("7008", "jp_lost", 1, answer: "6101")
        seeded.append(LedgerFixture.Seeded(kind: .settlementMissingAfterReject, transId: "7008", what: "JDB answered 6101, nothing booked"))

        // Odds feed: a bet_cancel for one market over an hour (logged twice), and a bet_stop.
        let event = "sr:match:65763330"
        let spec = "quarternr=1|hcp=-1.5"
        let start = at(-60), end = at(0)
        func feedBet(_ id: String, _ minute: Double, market: String = "303", specifiers: String = spec, refunded: Bool, on ev: String = event) {
            move("feed", id, "p\(id)", "bet", "-50", "USD", at(minute), event: ev, market: market, specifiers: specifiers)
            if refunded { move("feed", id, "p\(id)", "refund", "50", "USD", at(2), ref: "v\(id)", event: ev, market: market, specifiers: specifiers) }
        }
        feedBet("f-void-ok", -30, refunded: true)
        feedBet("f-void-missing", -20, refunded: false)
        seeded.append(LedgerFixture.Seeded(kind: .voidNotApplied, transId: "f-void-missing", what: "bet on a cancelled market kept its stake"))
        feedBet("f-before", -90, refunded: false)
        feedBet("f-other-line", -20, specifiers: "quarternr=1|hcp=-2.5", refunded: false)
        let cancelLine = "{\"cmd\":10050,\"time\":\(ms(at(0.5))),\"data\":{\"event_id\":\"\(event)\",\"product\":1,\"timestamp\":\(ms(at(0.5))),\"start_time\":\(ms(start)),\"end_time\":\(ms(end)),\"market\":[{\"id\":303,\"name\":\"quarter - handicap\",\"specifiers\":\"\(spec)\",\"void_reason\":\"match abandoned\"}]}}"
        let stopEvent = "sr:match:77000001"
        let stopTime = at(-10)
        let stopLine = "{\"cmd\":10030,\"time\":\(ms(stopTime)),\"data\":{\"event_id\":\"\(stopEvent)\",\"market_status\":\"suspended\",\"product\":1,\"groups\":\"all\",\"timestamp\":\(ms(stopTime))}}"
        feedBet("f-late", -10 + 10.0 / 60, market: "1", specifiers: "", refunded: false, on: stopEvent)
        seeded.append(LedgerFixture.Seeded(kind: .acceptedAfterBetStop, transId: "f-late", what: "bet accepted 10 s after a bet_stop"))
        feedBet("f-early", -11, market: "1", specifiers: "", refunded: false, on: stopEvent)
        feedBet("f-resumed", -5, market: "1", specifiers: "", refunded: false, on: stopEvent)
        let feedLines = [cancelLine, stopLine, cancelLine,
                         // What a crashed writer and a confused one leave behind:
                         "{\"event\":\"autoBatchRefund\",\"seqNo\":\"torn",
                         "this is not json",
                         "{\"cmd\":10020,\"data\":{}}"]
        seeded.append(LedgerFixture.Seeded(kind: .malformedRecord, transId: "feed.jsonl:4", what: "a torn line"))
        seeded.append(LedgerFixture.Seeded(kind: .malformedRecord, transId: "feed.jsonl:5", what: "a line that is not JSON"))
        seeded.append(LedgerFixture.Seeded(kind: .malformedRecord, transId: "feed.jsonl:6", what: "an odds-feed message that is neither bet_cancel nor bet_stop"))
        return Output(files: ["ebet.jsonl": ebetLines, "jdb.jsonl": jdbLines, "feed.jsonl": feedLines], ledger: ledger, seeded: seeded, clean: clean)
    }
}

