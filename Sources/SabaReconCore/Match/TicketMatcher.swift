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
        let bets = entries.filter { $0.kind == "bet" }
        guard let t = ticket else { return matchOrphan(entries: entries, bets: bets) }
        let range = policy.plan.range
        let betInRange = bets.first { range.contains($0.createdAt) }
        guard range.contains(t.transTime) || betInRange != nil else { return .notJudged }
        let when = range.contains(t.transTime) ? t.transTime : (betInRange?.createdAt ?? t.transTime)
        guard let window = policy.plan.window(for: when) else { return .notJudged }

        let info = policy.currencies[t.currency]
        let code = info?.code ?? "saba:\(t.currency)"
        if policy.isPending(t.transTime) {
            return GroupOutcome(pending: PendingItem(provider: "saba", transId: t.transId, currency: code, since: t.transTime))
        }
        let scale = info?.scale ?? 1
        let stake = t.stake * scale
        let expected = ExpectedNet.of(t).map { $0 * scale }
        let providerNet = try? expected.get()
        let ledgerNet = entries.reduce(Money.zero) { $0 + $1.amount }
        func row(_ kind: DiscrepancyKind, _ detail: String, fields: [FieldDifference] = [], ledger: Money? = nil, entryIds: [String]? = nil) -> Discrepancy {
            Discrepancy(
                window: window, provider: "saba", kind: kind, transId: t.transId, memberId: t.memberId, currency: code,
                providerStatus: statusText(t), providerStake: stake, providerNet: providerNet,
                ledgerNet: ledger ?? (entries.isEmpty ? nil : ledgerNet), detail: detail, fields: fields,
                ledgerEntryIds: entryIds ?? entries.map(\.entryId).sorted())
        }

        var control = ControlTotals(currency: code, tickets: 1, providerStake: stake, providerNet: providerNet ?? 0,
                                    ledgerStake: -bets.reduce(Money.zero) { $0 + $1.amount }, ledgerNet: ledgerNet)
        if case .unknown(let s) = t.status {
            return GroupOutcome(rows: [row(.unknownStatus, "status '\(s)' is not a documented Saba status; the ticket was not judged")], controls: [control])
        }
        if entries.isEmpty {
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

        // Duplicates: a second bet, or a second movement with the same provider ref.
        var effective = entries.sorted { ($0.createdAt, $0.entryId) < ($1.createdAt, $1.entryId) }
        var duplicates: [LedgerEntry] = []
        var seenBet = false
        var seenRefs: [String] = []  // a handful per ticket: a scan beats hashing
        effective.removeAll { e in
            var dup = false
            if e.kind == "bet" { dup = seenBet; seenBet = true }
            if let ref = e.ref, !ref.isEmpty {
                if seenRefs.contains(ref) { dup = true } else { seenRefs.append(ref) }
            }
            if dup { duplicates.append(e) }
            return dup
        }
        if !duplicates.isEmpty {
            let extra = duplicates.reduce(Money.zero) { $0 + $1.amount }
            rows.append(row(.duplicateEntry, "\(duplicates.count) duplicate ledger entr\(duplicates.count == 1 ? "y" : "ies") (\(duplicates.map { "\($0.entryId) \($0.kind) \(Money.format($0.amount))" }.joined(separator: "; "))) moving \(Money.format(extra))",
                            entryIds: duplicates.map(\.entryId).sorted()))
        }
        var net = effective.reduce(Money.zero) { $0 + $1.amount }
        if let bet = effective.first(where: { $0.kind == "bet" }), !policy.same(bet.amount, -stake) {
            rows.append(row(.stakeMismatch, "ledger bet \(Money.format(bet.amount)), provider stake \(Money.format(stake))",
                            fields: [FieldDifference(field: "stake", provider: Money.format(-stake), ledger: Money.format(bet.amount))],
                            entryIds: [bet.entryId]))
            // The stake row explains this part of the gap; judge the rest on its own.
            net -= bet.amount + stake
        }
        if policy.same(net, expectedNet) { return GroupOutcome(rows: rows, controls: [control]) }

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
            rows.append(row(.refundMissing, "\(t.status) ticket: stake should be returned; \(gapDetail)"))
        } else if t.status.isOpen && !t.alreadyCashout && hasPayout {
            rows.append(row(.settledWhileRunning, "provider says \(t.status); ledger already moved \(effective.filter { Self.payoutKinds.contains($0.kind) }.map { "\($0.kind) \(Money.format($0.amount))" }.joined(separator: ", "))"))
        } else if let previous = ExpectedNet.beforeLastResettle(t), policy.same(net, previous * scale), !policy.same(previous * scale, expectedNet) {
            rows.append(row(.resettleNotApplied, "ledger still shows the result before the last resettle (\(Money.format(previous * scale))); current result \(Money.format(expectedNet))"))
        } else if (t.status.isResult || t.alreadyCashout) && expectedNet + stake > 0 && effective.allSatisfy({ $0.kind == "bet" }) {
            rows.append(row(.payoutMissing, "\(t.alreadyCashout ? "cashout" : t.status.description) ticket owed a credit of \(Money.format(expectedNet + stake)); ledger has the bet only"))
        } else {
            rows.append(row(.netMismatch, gapDetail))
        }
        return GroupOutcome(rows: rows, controls: [control])
    }

    /// Ledger entries for a Saba ticket that no window returned.
    func matchOrphan(entries: [LedgerEntry], bets: [LedgerEntry]) -> GroupOutcome {
        let range = policy.plan.range
        guard let bet = bets.filter({ range.contains($0.createdAt) }).min(by: { $0.createdAt < $1.createdAt }),
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
            ledgerEntryIds: entries.map(\.entryId).sorted())
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
