import Foundation

/// What one ticket group (a Saba ticket and/or its ledger entries) contributes to the run.
public struct GroupOutcome: Sendable, Equatable {
    public var rows: [Discrepancy] = []
    public var pending: PendingItem?
    /// Control totals of a judged group, one per currency involved (a ticket booked in
    /// the wrong currency adds its ledger side under the ledger's currency).
    public var controls: [ControlTotals] = []
    /// The accounting day (days since 1970-01-01 in the policy's accounting zone) the controls
    /// count on: the ticket's `transTime`, or the bet's time for a ticket Saba never had. A
    /// number, not text: it is computed for every ticket, and formatted only for the report.
    public var day: Int?

    public init(rows: [Discrepancy] = [], pending: PendingItem? = nil, controls: [ControlTotals] = [], day: Int? = nil) {
        self.rows = rows
        self.pending = pending
        self.controls = controls
        self.day = day
    }

    public static let notJudged = GroupOutcome()
}

/// Per-currency sums that finance ties out against its own books.
public struct ControlTotals: Sendable, Equatable, Codable {
    public var currency: String
    public var tickets: Int = 0
    public var providerStake: Money = 0
    public var providerNet: Money = 0
    public var ledgerStake: Money = 0
    public var ledgerNet: Money = 0

    public init(currency: String, tickets: Int = 0, providerStake: Money = 0, providerNet: Money = 0, ledgerStake: Money = 0, ledgerNet: Money = 0) {
        self.currency = currency
        self.tickets = tickets
        self.providerStake = providerStake
        self.providerNet = providerNet
        self.ledgerStake = ledgerStake
        self.ledgerNet = ledgerNet
    }

    public mutating func add(_ other: ControlTotals) {
        tickets += other.tickets
        providerStake += other.providerStake
        providerNet += other.providerNet
        ledgerStake += other.ledgerStake
        ledgerNet += other.ledgerNet
    }
}

/// The Saba matching rules (SPEC §2 and §3): a pure function of one group.
public struct TicketMatcher: Sendable {
    public var policy: MatchPolicy

    public init(policy: MatchPolicy) {
        self.policy = policy
    }

    static let payoutKinds: Set<String> = ["settle", "resettle", "cashout", "refund", "cancel"]

    public func match(ticket: Ticket?, entries: [LedgerEntry]) -> GroupOutcome {
        var outcome = judge(ticket: ticket, entries: entries)
        if !outcome.controls.isEmpty {
            let when = ticket?.transTime ?? entries.filter { $0.kind == "bet" }.map(\.createdAt).min() ?? entries.first?.createdAt
            outcome.day = when.map { policy.accountingDayNumber($0) }
        }
        return outcome
    }

    func judge(ticket: Ticket?, entries: [LedgerEntry]) -> GroupOutcome {
        guard let t = ticket else { return matchOrphan(entries: entries) }
        let range = policy.plan.range
        // As few copies of `entries` as can be on the way of a group that agrees (most of
        // them): each copy of a LedgerEntry retains its ten texts, and this runs per ticket.
        let betInRange = entries.first { $0.kind == "bet" && range.contains($0.createdAt) }
        guard range.contains(t.transTime) || betInRange != nil else { return .notJudged }
        let when = range.contains(t.transTime) ? t.transTime : (betInRange?.createdAt ?? t.transTime)
        guard let window = policy.plan.window(for: when) else { return .notJudged }

        let info = policy.currencies[t.currency]
        let code = info?.code ?? "saba:\(t.currency)"
        if policy.isPending(t.transTime) {
            return GroupOutcome(pending: PendingItem(provider: "saba", transId: t.transId, currency: code, since: t.transTime))
        }
        let scale = info?.scale ?? 1
        // SPEC §2: the stake at risk, not the nominal stake, is what the wallet debits.
        let atRisk = StakeAtRisk.of(t, basis: policy.stakeBasis)
        let risk = ((try? atRisk.get())?.amount ?? t.stake) * scale
        let odds = (try? atRisk.get())?.odds
        // Texts built only for a row that shows them: most tickets agree, and this runs once per ticket.
        func oddsNote() -> String? { odds.map { "stake \(Money.format(t.stake * scale)) at \($0)" } }
        func riskNote() -> String? { oddsNote().map { "stake at risk \(Money.format(risk)): \($0)" } }
        let expected = atRisk.flatMap { ExpectedNet.of(t, risk: $0.amount) }.map { $0 * scale }
        let providerNet = try? expected.get()
        let ledgerNet = entries.reduce(Money.zero) { $0 + $1.amount }
        func row(_ kind: DiscrepancyKind, _ detail: String, fields: [FieldDifference] = [], ledger: Money? = nil, entryIds: [String]? = nil) -> Discrepancy {
            Discrepancy(
                window: window, provider: "saba", kind: kind, transId: t.transId, memberId: t.memberId, currency: code,
                providerStatus: statusText(t), providerStake: risk, providerNet: providerNet,
                ledgerNet: ledger ?? (entries.isEmpty ? nil : ledgerNet), detail: detail, fields: fields,
                ledgerEntryIds: entryIds ?? entries.map(\.entryId).sorted()).occurred(t.transTime)
        }
        /// The stake-at-risk explanation appended to a row whose amounts depend on it.
        func explained(_ detail: String) -> String { riskNote().map { "\(detail) (\($0))" } ?? detail }

        var control = ControlTotals(currency: code, tickets: 1, providerStake: risk, providerNet: providerNet ?? 0,
                                    ledgerStake: -entries.reduce(Money.zero) { $1.kind == "bet" ? $0 + $1.amount : $0 }, ledgerNet: ledgerNet)
        if case .unknown(let s) = t.status {
            return GroupOutcome(rows: [row(.unknownStatus, "status '\(s)' is not a documented Saba status; the ticket was not judged")], controls: [control])
        }
        if entries.isEmpty {
            // A voided or rejected bet the wallet never debited: nothing moved, nothing owed.
            if t.status.isStakeReturned && !t.alreadyCashout { return GroupOutcome(controls: [control]) }
            return GroupOutcome(rows: [row(.missingInLedger, "no ledger entries for this ticket", ledger: 0)], controls: [control])
        }
        var rows: [Discrepancy] = []
        // Sets only when something differs: most groups agree, and this runs once per ticket.
        let otherMembers = entries.allSatisfy({ $0.memberId == t.memberId }) ? [] : Set(entries.map(\.memberId)).subtracting([t.memberId]).sorted()
        if !otherMembers.isEmpty {
            rows.append(row(.memberMismatch, "provider member \(t.memberId), ledger member \(otherMembers.joined(separator: ", "))",
                            fields: [FieldDifference(field: "member_id", provider: t.memberId, ledger: otherMembers.joined(separator: ","))]))
        }
        guard let info else {
            rows.append(row(.currencyMismatch, "Saba currency id \(t.currency) is not in the currency table; money not compared",
                            fields: [FieldDifference(field: "currency", provider: String(t.currency), ledger: Set(entries.map(\.currency)).sorted().joined(separator: ","))]))
            control.providerNet = 0
            return GroupOutcome(rows: rows, controls: splitByCurrency(control, entries: entries))
        }
        let otherCurrencies = entries.allSatisfy({ $0.currency == info.code }) ? [] : Set(entries.map(\.currency)).subtracting([info.code]).sorted()
        if !otherCurrencies.isEmpty {
            // Amounts in different currencies cannot be compared: stop at the currency row.
            rows.append(row(.currencyMismatch, "provider currency \(info.code) (Saba id \(t.currency)), ledger currency \(otherCurrencies.joined(separator: ", ")); money not compared",
                            fields: [FieldDifference(field: "currency", provider: info.code, ledger: otherCurrencies.joined(separator: ","))]))
            return GroupOutcome(rows: rows, controls: splitByCurrency(control, entries: entries))
        }
        guard case .success(let expectedNet) = expected else {
            if case .failure(let missing) = expected {
                rows.append(row(.netMismatch, "provider net unknown: \(missing.description)"))
            }
            return GroupOutcome(rows: rows, controls: [control])
        }
        let rule = RoundingRule(decimals: info.decimals, tolerance: policy.tolerances[info.code])

        // Duplicates: a second movement with the same provider ref, or the whole debit twice.
        // Sorted (and copied) only when not already in strictly ascending order: a group in
        // order comes out of the sort unchanged, and a tie still goes through the sort.
        func inOrder(_ a: LedgerEntry, _ b: LedgerEntry) -> Bool { (a.createdAt, a.entryId) < (b.createdAt, b.entryId) }
        var effective = entries
        if entries.indices.dropFirst().contains(where: { !inOrder(entries[$0 - 1], entries[$0]) }) { effective.sort(by: inOrder) }
        var duplicates: [LedgerEntry] = []
        var seenRefs: [String] = []  // a handful per ticket: a scan beats hashing
        var repeated: [Int] = []
        for i in effective.indices {
            guard let ref = effective[i].ref, !ref.isEmpty else { continue }
            if seenRefs.contains(ref) { repeated.append(i) } else { seenRefs.append(ref) }
        }
        duplicates = repeated.map { effective[$0] }
        for i in repeated.reversed() { effective.remove(at: i) }
        var betRows = effective.filter { $0.kind == "bet" }
        if betRows.count > 1, !rule.matches(betRows.reduce(Money.zero) { $0 + $1.amount }, -risk) {
            // Several bet rows that add up to the stake at risk are one debit (a bet and its
            // ConfirmBet correction); rows that are each the whole debit are that debit again.
            let whole = betRows.filter { rule.matches($0.amount, -risk) }
            if whole.count > 1 {
                let extra = Set(whole.dropFirst().map(\.entryId))
                duplicates += whole.dropFirst()
                effective.removeAll { extra.contains($0.entryId) }
                betRows.removeAll { extra.contains($0.entryId) }
            }
        }
        if !duplicates.isEmpty {
            duplicates.sort { ($0.createdAt, $0.entryId) < ($1.createdAt, $1.entryId) }
            let extra = duplicates.reduce(Money.zero) { $0 + $1.amount }
            rows.append(row(.duplicateEntry, "\(duplicates.count) duplicate ledger entr\(duplicates.count == 1 ? "y" : "ies") (\(duplicates.map { "\($0.entryId) \($0.kind) \(Money.format($0.amount))" }.joined(separator: "; "))) moving \(Money.format(extra))",
                            entryIds: duplicates.map(\.entryId).sorted()))
        }
        var net = effective.reduce(Money.zero) { $0 + $1.amount }
        let debit = betRows.reduce(Money.zero) { $0 + $1.amount }
        let booked = bookedAmounts(t, risk: risk, scale: scale)
        let stakeWrong = !betRows.isEmpty && !rule.matches(debit, -risk)
        if stakeWrong {
            let shown = betRows.count == 1 ? "ledger bet \(Money.format(debit))" : "ledger bets \(betRows.map { Money.format($0.amount) }.joined(separator: " + ")) = \(Money.format(debit))"
            rows.append(row(.stakeMismatch, "\(shown), provider stake at risk \(Money.format(risk))\(oddsNote().map { " (\($0))" } ?? "")",
                            fields: [FieldDifference(field: "stake", provider: Money.format(-risk), ledger: Money.format(debit))],
                            entryIds: betRows.map(\.entryId).sorted()))
            // The rows already net to what is owed (a voided bet refunded what was debited): the
            // stake row says it all.
            if rule.matches(net, expectedNet, booked: booked) { return GroupOutcome(rows: rows, controls: [control]) }
        }
        // The debit is judged above, on its own rounding; the other rows against the rest of
        // what is owed, each on theirs. Judging only the sum would let a payout a cent off hide
        // in the bet's rounding.
        let rest = betRows.isEmpty ? net : net - debit
        if rule.matches(rest, betRows.isEmpty ? expectedNet : expectedNet + risk, booked: betRows.isEmpty ? booked : Array(booked.dropFirst())) {
            return GroupOutcome(rows: rows, controls: [control])
        }
        // The stake row explains its part of the gap: the rest is judged as if the debit were right.
        if stakeWrong { net = rest - risk }

        // A settlement or resettle younger than the grace period may not have reached the wallet yet.
        let lastSettled = t.resettles.reduce(t.settlementTime) { latest, r in
            guard let d = r.resettleDate else { return latest }
            return latest.map { max($0, d) } ?? d
        }
        if let lastSettled, policy.isPending(lastSettled) {
            return GroupOutcome(rows: rows, pending: PendingItem(provider: "saba", transId: t.transId, currency: code, since: lastSettled), controls: [control])
        }
        let gapDetail = "expected net \(Money.format(expectedNet)), ledger net \(Money.format(net))"
        let hasPayout = effective.contains { Self.payoutKinds.contains($0.kind) && $0.amount != 0 }
        if t.status.isStakeReturned && !t.alreadyCashout {
            rows.append(row(.refundMissing, explained("\(t.status) ticket: stake should be returned; \(gapDetail)")))
        } else if t.status.isOpen && !t.alreadyCashout && hasPayout {
            rows.append(row(.settledWhileRunning, "provider says \(t.status); ledger already moved \(effective.filter { Self.payoutKinds.contains($0.kind) }.map { "\($0.kind) \(Money.format($0.amount))" }.joined(separator: ", "))"))
        } else if let stale = staleResult(t, net: net, expectedNet: expectedNet, scale: scale, rule: rule, booked: booked) {
            rows.append(row(.resettleNotApplied, stale))
        } else if (t.status.isResult || t.alreadyCashout) && expectedNet + risk > 0 && effective.allSatisfy({ $0.kind == "bet" }) {
            rows.append(row(.payoutMissing, explained("\(t.alreadyCashout ? "cashout" : t.status.description) ticket owed a credit of \(Money.format(expectedNet + risk)); ledger has the bet only")))
        } else {
            rows.append(row(.netMismatch, explained(gapDetail)))
        }
        return GroupOutcome(rows: rows, controls: [control])
    }

    /// The exact amounts an honest wallet books as separate rows for the ticket's current
    /// fields (ledger units): each one rounded on its own to the currency's minor unit.
    func bookedAmounts(_ t: Ticket, risk: Money, scale: Int) -> [Money] {
        var out = [risk]
        if t.alreadyCashout {
            out.append((t.cashoutPrice ?? 0) * scale)
        } else if t.status.isStakeReturned {
            out.append(risk)
        } else if t.status.isResult {
            var previous: Money?
            for result in ExpectedNet.balanceChanges(t).map(\.reSettlePrice) + [t.settlementPrice ?? 0] {
                let value = result * scale
                out.append(previous.map { value - $0 } ?? risk + value)
                previous = value
            }
        }
        return out
    }

    /// SPEC §2: a ledger net equal to the result before any balance-changing resettle (one or
    /// several missed) names the result it still holds; nil when it holds none of them.
    func staleResult(_ t: Ticket, net: Money, expectedNet: Money, scale: Int, rule: RoundingRule, booked: [Money]) -> String? {
        let changes = ExpectedNet.balanceChanges(t)
        for (k, change) in changes.enumerated().reversed() {
            let previous = change.reSettlePrice * scale
            guard rule.matches(net, previous, booked: booked), !rule.matches(previous, expectedNet, booked: booked) else { continue }
            let missed = changes.count - k
            let when = change.resettleDate.map { " of \(UTCTime.iso($0))" } ?? ""
            return "ledger still shows the result before the resettle\(when) (\(change.status) \(Money.format(previous)))"
                + (missed == 1 ? "" : "; \(missed) balance-changing resettles since were not applied")
                + "; current result \(Money.format(expectedNet))"
        }
        return nil
    }

    /// Ledger entries for a Saba ticket that no window returned.
    func matchOrphan(entries: [LedgerEntry]) -> GroupOutcome {
        let range = policy.plan.range
        guard let bet = entries.filter({ $0.kind == "bet" && range.contains($0.createdAt) }).min(by: { $0.createdAt < $1.createdAt }),
              let window = policy.plan.window(for: bet.createdAt) else { return .notJudged }
        if policy.isPending(bet.createdAt) {
            return GroupOutcome(pending: PendingItem(provider: "saba", transId: bet.ticketId, currency: bet.currency, since: bet.createdAt))
        }
        // Amounts in two currencies never add up: the row and the control totals keep each apart.
        let sameCurrency = entries.filter { $0.currency == bet.currency }
        let others = Set(entries.map(\.currency)).subtracting([bet.currency]).sorted()
        let ledgerNet = sameCurrency.reduce(Money.zero) { $0 + $1.amount }
        let row = Discrepancy(
            window: window, provider: "saba", kind: .missingAtProvider, transId: bet.ticketId, memberId: bet.memberId,
            currency: bet.currency, ledgerNet: ledgerNet,
            detail: "ledger bet \(bet.entryId) at \(UTCTime.iso(bet.createdAt)) has no ticket in any window of this run"
                + (others.isEmpty ? "" : "; its ticket also has entries in \(others.joined(separator: ", ")) (not in ledger_net)"),
            ledgerEntryIds: entries.map(\.entryId).sorted()).occurred(bet.createdAt)
        var controls: [ControlTotals] = []
        for (currency, group) in Dictionary(grouping: entries, by: \.currency).sorted(by: { $0.key < $1.key }) {
            controls.append(ControlTotals(currency: currency, ledgerStake: -group.filter { $0.kind == "bet" }.reduce(Money.zero) { $0 + $1.amount },
                                          ledgerNet: group.reduce(Money.zero) { $0 + $1.amount }))
        }
        return GroupOutcome(rows: [row], controls: controls)
    }

    /// Keeps each side's money under its own currency: amounts in two currencies never add up.
    func splitByCurrency(_ control: ControlTotals, entries: [LedgerEntry]) -> [ControlTotals] {
        var provider = control
        provider.ledgerStake = 0
        provider.ledgerNet = 0
        var out = [provider]
        for (currency, group) in Dictionary(grouping: entries, by: \.currency).sorted(by: { $0.key < $1.key }) {
            let net = group.reduce(Money.zero) { $0 + $1.amount }
            let stake = -group.filter { $0.kind == "bet" }.reduce(Money.zero) { $0 + $1.amount }
            out.append(ControlTotals(currency: currency, ledgerStake: stake, ledgerNet: net))
        }
        return out
    }

    func statusText(_ t: Ticket) -> String {
        t.alreadyCashout ? "\(t.status) (cashout)" : t.status.description
    }
}
