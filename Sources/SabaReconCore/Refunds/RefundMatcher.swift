import Foundation

/// The refund and cancel rules of SPEC 1.4 and §3: pure functions of one record and the
/// ledger movements that belong to it.
public struct RefundMatcher: Sendable {
    public var policy: MatchPolicy
    /// How long after a `bet_stop` an accepted bet is reported (the feed has no resume message).
    public var betStopWindow: TimeInterval
    /// Market id -> group name, for `bet_stop` messages that name groups.
    public var marketGroups: [String: String]

    public init(policy: MatchPolicy, betStopWindow: TimeInterval = 60, marketGroups: [String: String] = [:]) {
        self.policy = policy
        self.betStopWindow = betStopWindow
        self.marketGroups = marketGroups
    }

    public enum Verdict: Sendable, Equatable {
        case rows([Discrepancy])
        case pending(PendingItem)
        /// Outside the run's range, or nothing to judge (answer says no money moves).
        case notJudged(reason: String)
    }

    static let reversalKinds: Set<String> = ["refund", "cancel"]

    func judged(_ time: Date) -> Bool { policy.plan.range.contains(time) }

    func window(_ time: Date) -> FetchWindow {
        policy.plan.window(for: time) ?? FetchWindow(index: 0, start: policy.plan.range.start, end: policy.plan.range.end)
    }

    static func list(_ entries: [LedgerEntry]) -> String {
        entries.isEmpty ? "no movement" : entries.map { "\($0.entryId) \($0.kind) \(Money.format($0.amount))" }.joined(separator: ", ")
    }

    // MARK: eBET

    /// eBET autoBatchRefund (seed 002) is a notice that a bet *failed* and must be refunded.
    /// `round`: every ledger entry of provider `ebet` with `ticket_id` = the item's roundCode.
    /// The failed bet's debit is the round's `bet` row with `ref` = seqNo (when the wallet keeps
    /// it), else the round's `bet` rows of that member; the refund is the `refund` row with
    /// `ref` = seqNo (for 209, "already refunded by the operator", any `refund` row of the round).
    public func ebet(_ r: EbetRefund, round: [LedgerEntry]) -> Verdict {
        guard judged(r.time) else { return .notJudged(reason: "out of range") }
        let acknowledged = r.answer == 200 || r.answer == 209 || !r.responseLogged
        let bets = round.filter { $0.kind == "bet" }
        let debits = bets.contains { $0.ref == r.seqNo } ? bets.filter { $0.ref == r.seqNo } : bets.filter { $0.memberId == r.username }
        let refunds = round.filter { $0.kind == "refund" }
        let credits = r.answer == 209 ? refunds : refunds.filter { $0.ref == r.seqNo }
        let debit = debits.reduce(Money.zero) { $0 + $1.amount }
        let credit = credits.reduce(Money.zero) { $0 + $1.amount }
        let involved = debits + credits
        // What the wallet owes for this item: the refund, or nothing when no bet was debited or the
        // item was answered as failed (so `difference` shows the money given away).
        func row(_ kind: DiscrepancyKind, _ detail: String, fields: [FieldDifference] = [], owed: Money? = nil) -> Discrepancy {
            Discrepancy(window: window(r.time), provider: "ebet", kind: kind, transId: r.seqNo, memberId: r.username,
                        currency: involved.first?.currency ?? r.currency,
                        providerStatus: r.answer.map(String.init) ?? (r.responseLogged ? "failed" : "not logged"),
                        providerStake: -debit, providerNet: owed ?? r.refundMoney, ledgerNet: credits.isEmpty ? nil : credit,
                        detail: "eBET autoBatchRefund round \(r.roundCode) (batch \(r.batchSeqNo), \(r.location)): \(detail); bet debit \(Money.format(debit)), refund credit \(Money.format(credit)); ledger: \(Self.list(involved))",
                        fields: fields, ledgerEntryIds: involved.map(\.entryId).sorted()).occurred(r.time)
        }
        guard acknowledged else {
            // Answered as failed: eBET sends it again, so a credit now would be paid twice.
            if credits.isEmpty { return .notJudged(reason: "answered as failed") }
            return .rows([row(.refundAppliedAfterFailure, "the operator answered this item as failed (not in sucRefundSeqNoList), yet the ledger credited it; eBET's retry would be paid again", owed: .zero)])
        }
        if debits.isEmpty && credits.isEmpty { return .rows([]) }  // nothing moved: nothing owed
        if credits.isEmpty {
            if policy.isPending(r.time) {
                return .pending(PendingItem(provider: "ebet", transId: r.seqNo, currency: involved.first?.currency ?? r.currency, since: r.time))
            }
            return .rows([row(.refundNotApplied, "acknowledged (\(r.answer.map { "status \($0)" } ?? "no response logged")): the failed bet was debited and never refunded")])
        }
        if debits.isEmpty {
            return .rows([row(.refundWithoutBet, "a refund of a bet the wallet never debited: money given away", owed: .zero)])
        }
        if credits.count > 1 {
            return .rows([row(.refundAppliedTwice, "one refund of \(Money.format(r.refundMoney)); the ledger credited \(credits.count) times")])
        }
        var problems: [String] = []
        var fields: [FieldDifference] = []
        let rule = policy.rounding(involved.first?.currency ?? r.currency)
        if !rule.matches(credit, r.refundMoney) {
            problems.append("the ledger refunded \(Money.format(credit)), refundMoney is \(Money.format(r.refundMoney))")
            fields.append(FieldDifference(field: "refund_amount", provider: Money.format(r.refundMoney), ledger: Money.format(credit)))
        }
        // The debit and the credit were each booked rounded from eBET's amounts (SPEC §2).
        if !rule.matches(debit + credit, .zero, booked: [r.detailSum ?? debit.magnitude, r.refundMoney]) {
            problems.append("the bet's debit and refund net to \(Money.format(debit + credit)), not zero")
            fields.append(FieldDifference(field: "bet_net", provider: "0.00", ledger: Money.format(debit + credit)))
        }
        return .rows(problems.isEmpty ? [] : [row(.refundAmountMismatch, problems.joined(separator: "; "), fields: fields)])
    }

    // MARK: JDB

    /// `entries`: ledger entries with provider `jdb` and `ticket_id` = transferId.
    public func jdb(_ fold: JdbCancelFold, entries: [LedgerEntry]) -> Verdict {
        // The line whose answer decided the outcome (else the latest) names the status shown.
        let decided = fold.lines.filter { $0.answer != nil && $0.answer != "9017" }.max { $0.time < $1.time }
        let c = decided ?? fold.lines.max { $0.time < $1.time } ?? fold.first
        guard judged(fold.first.time) else { return .notJudged(reason: "out of range") }
        let reversals = entries.filter { Self.reversalKinds.contains($0.kind) }
        let net = entries.reduce(Money.zero) { $0 + $1.amount }
        let lines = fold.lines.count == 1 ? "\(c.location)" : "\(fold.lines.count) lines, last \(c.location)"
        func row(_ kind: DiscrepancyKind, _ expected: Money, _ detail: String) -> Discrepancy {
            Discrepancy(window: window(fold.first.time), provider: "jdb", kind: kind, transId: c.transferId, memberId: c.uid,
                        // JDB's own codes (RB = RMB) are not ISO: the wallet's currency is.
                        currency: entries.first?.currency ?? c.currency, providerStatus: c.answer ?? "not logged", providerNet: expected, ledgerNet: net,
                        detail: "JDB Cancel BetNSettle (\(lines)): \(detail); ledger: \(Self.list(entries))",
                        ledgerEntryIds: entries.map(\.entryId).sorted()).occurred(fold.first.time)
        }
        switch fold.outcome {
        case .pending:
            // JDB resends a 9017 every minute for one hour, then stops: past that nobody decided.
            guard policy.now.timeIntervalSince(fold.first.time) > Self.jdbRetryHour else { return .notJudged(reason: "pending (9017)") }
            let last = fold.lines.map(\.time).max() ?? fold.first.time
            return .rows([row(.refundUnresolved, net, "answered only 9017 (try again later) \(fold.lines.count) time\(fold.lines.count == 1 ? "" : "s") from \(UTCTime.iso(fold.first.time)) to \(UTCTime.iso(last)); JDB stops asking after an hour, so the cancel was never decided")])
        case .rejected:
            if entries.isEmpty {
                // 6101: JDB restores the original BetNSettle, so its bet and settlement must be booked.
                if policy.isPending(fold.first.time) {
                    return .pending(PendingItem(provider: "jdb", transId: c.transferId, currency: c.currency, since: fold.first.time))
                }
                return .rows([row(.settlementMissingAfterReject, 0, "answered 6101 (the settlement stands; JDB restores the BetNSettle) but the ledger holds nothing for the transfer")])
            }
            guard !reversals.isEmpty else { return .rows([]) }
            let standing = net - reversals.reduce(Money.zero) { $0 + $1.amount }
            return .rows([row(.refundReversedAfterReject, standing, "answered 6101 (settlement stands) but the ledger reversed the transfer")])
        case .cancel(let answer):
            // SPEC 1.4: the transfer's net decides, however many rows the reversal took (a
            // BetNSettle is a bet and a win: a wallet may return one and take back the other).
            let said = answer.map { "answered \($0)" } ?? "no answer logged"
            let rule = policy.rounding(entries.first?.currency ?? c.currency)
            if rule.matches(net, .zero) { return .rows([]) }
            if reversals.isEmpty {
                if policy.isPending(fold.first.time) {
                    return .pending(PendingItem(provider: "jdb", transId: c.transferId, currency: c.currency, since: fold.first.time))
                }
                return .rows([row(.refundNotApplied, 0, "\(said): the transfer should net to zero, it nets \(Money.format(net))")])
            }
            // Past zero by a whole second reversal: the rows moved the transfer's own amount back twice.
            let original = net - reversals.reduce(Money.zero) { $0 + $1.amount }
            if !original.isZero, rule.matches(net, -original) {
                return .rows([row(.refundAppliedTwice, 0, "\(said): reverse once; the ledger's \(reversals.count) reversal row\(reversals.count == 1 ? "" : "s") moved the transfer's \(Money.format(original)) back twice, leaving \(Money.format(net))")])
            }
            return .rows([row(.refundAmountMismatch, 0, "\(said): the reversal leaves \(Money.format(net)) instead of zero")])
        }
    }

    /// How long JDB goes on resending a cancel answered 9017 (seed 003).
    static let jdbRetryHour: TimeInterval = 3600

    // MARK: odds feed

    /// Whether a feed bet falls under one cancelled market.
    /// `specifiers` are a set of `key=value` pairs joined by `|` (SPEC 1.4): `hcp=-1.5|quarternr=1`
    /// and `quarternr=1|hcp=-1.5` name the same market line.
    public static func specifierSet(_ text: String) -> Set<Substring> {
        Set(text.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces)[...] }.filter { !$0.isEmpty })
    }

    public static func covers(_ c: BetCancel, _ m: CancelledMarket, bet: LedgerEntry) -> Bool {
        guard bet.kind == "bet", bet.eventId == c.eventId, bet.marketId == m.id else { return false }
        if let s = m.specifiers, Self.specifierSet(bet.specifiers ?? "") != Self.specifierSet(s) { return false }
        if let start = c.start, bet.createdAt < start { return false }
        if let end = c.end, bet.createdAt > end { return false }
        return true
    }

    /// `entries`: every ledger entry of the bet's ticket.
    public func cancel(_ c: BetCancel, _ m: CancelledMarket, bet: LedgerEntry, entries: [LedgerEntry]) -> Verdict {
        guard Self.covers(c, m, bet: bet) else { return .notJudged(reason: "not covered") }
        guard judged(bet.createdAt) || judged(c.time) else { return .notJudged(reason: "out of range") }
        let net = entries.reduce(Money.zero) { $0 + $1.amount }
        if policy.rounding(bet.currency).matches(net, .zero) { return .rows([]) }
        if policy.isPending(c.time) {
            return .pending(PendingItem(provider: "feed", transId: bet.ticketId, currency: bet.currency, since: c.time))
        }
        let spec = m.specifiers.map { " [\($0)]" } ?? ""
        return .rows([Discrepancy(
            window: window(bet.createdAt), provider: "feed", kind: .voidNotApplied, transId: bet.ticketId, memberId: bet.memberId,
            currency: bet.currency, providerStatus: "bet_cancel", providerStake: -bet.amount, providerNet: 0, ledgerNet: net,
            detail: "bet_cancel of \(c.eventId) market \(m.id)\(spec) \(m.name) (\(m.voidReason)) at \(c.location) covers this bet; ledger: \(Self.list(entries))",
            ledgerEntryIds: entries.map(\.entryId).sorted()).occurred(c.time)])
    }

    public func groups(of stop: BetStop) -> Set<String>? {
        let g = stop.groups.trimmingCharacters(in: .whitespaces)
        if g.isEmpty || g.lowercased() == "all" { return nil }
        return Set(g.split(whereSeparator: { $0 == "|" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// `deactivated` markets never reopen (seed 001): every later bet on them counts. Absent or
    /// `suspended`: they may reopen, so only the bet-stop window counts.
    public static func neverReopens(_ s: BetStop) -> Bool { s.marketStatus?.lowercased() == "deactivated" }

    /// A feed bet on the stopped event accepted after the stop: within `betStopWindow`, or at
    /// any time later when the markets were deactivated.
    public func stop(_ s: BetStop, bet: LedgerEntry) -> Verdict {
        guard bet.kind == "bet", bet.eventId == s.eventId, bet.createdAt > s.time,
              Self.neverReopens(s) || bet.createdAt <= s.time.addingTimeInterval(betStopWindow) else { return .notJudged(reason: "not covered") }
        guard judged(bet.createdAt) else { return .notJudged(reason: "out of range") }
        let market = bet.marketId ?? ""
        var group = "all"
        if let wanted = groups(of: s) {
            guard let g = marketGroups[market] else { return .notJudged(reason: "market not mapped to a group") }
            guard wanted.contains(g) else { return .rows([]) }
            group = g
        }
        let after = bet.createdAt.timeIntervalSince(s.time)
        return .rows([Discrepancy(
            window: window(bet.createdAt), provider: "feed", kind: .acceptedAfterBetStop, transId: bet.ticketId, memberId: bet.memberId,
            currency: bet.currency, providerStatus: "bet_stop", providerStake: -bet.amount,
            detail: "bet on \(s.eventId) market \(market) (group \(group)) accepted \(String(format: "%.3f", after)) s after the bet_stop\(Self.neverReopens(s) ? " (markets deactivated: they never reopen)" : "") at \(UTCTime.iso(s.time)) (\(s.location))",
            ledgerEntryIds: [bet.entryId]).occurred(bet.createdAt)])
    }

    /// One row for the malformed lines past the listing limit.
    public func malformedNotListed(count: Int, first: MalformedRecord, limit: Int) -> Discrepancy {
        Discrepancy(window: window(policy.plan.range.start), provider: first.provider ?? "unknown", kind: .malformedRecord,
                    transId: "\(first.location.description)+", memberId: "", currency: "",
                    detail: "\(count) more malformed line\(count == 1 ? "" : "s") from \(first.location) on, not listed one by one (refund_max_malformed \(limit)); the first: \(first.reason)")
    }

    public func malformed(_ m: MalformedRecord) -> Discrepancy {
        Discrepancy(window: window(policy.plan.range.start), provider: m.provider ?? "unknown", kind: .malformedRecord,
                    transId: m.location.description, memberId: "", currency: "", detail: "\(m.location): \(m.reason)").evidenced(m.digest)
    }
}
