import Foundation
import SabaReconCore

/// Builds the wallet ledger an honest operator would have for the sandbox's tickets,
/// then seeds known mistakes into it: the demo's ledger and the end-to-end tests' one.
public struct LedgerFixture: Sendable {
    public var book: SandboxBook
    public var currencies: CurrencyTable

    public init(book: SandboxBook, currencies: CurrencyTable = .builtIn) {
        self.book = book
        self.currencies = currencies
    }

    /// A seeded mistake and the kind the reconciliation should report for it.
    public struct Seeded: Sendable, Equatable {
        public var kind: DiscrepancyKind
        public var transId: String
        public var what: String

        public init(kind: DiscrepancyKind, transId: String, what: String) {
            self.kind = kind
            self.transId = transId
            self.what = what
        }
    }

    /// A case booked correctly that a careless rule would report: the run must give it no row.
    public struct Clean: Sendable, Equatable {
        public var provider: String
        public var transId: String
        public var what: String

        public init(provider: String = "saba", transId: String, what: String) {
            self.provider = provider
            self.transId = transId
            self.what = what
        }
    }

    /// The correct entries for one ticket, in ledger units, booked as a wallet books them: the
    /// stake at risk (SPEC §2), each amount rounded to the currency's minor unit on its own.
    public func entries(for t: Ticket) -> [LedgerEntry] {
        let info = currencies[t.currency] ?? CurrencyInfo(code: "XXX")
        let scale = info.scale
        let risk = (try? StakeAtRisk.of(t, basis: .actual).get())?.amount ?? t.stake
        var out: [LedgerEntry] = []
        func add(_ kind: String, _ exact: Money, _ at: Date, ref: String? = nil) {
            out.append(LedgerEntry(entryId: "w-\(t.transId)-\(out.count + 1)", provider: "saba", ticketId: t.transId,
                                   memberId: t.memberId, kind: kind, amount: (exact * scale).rounded(decimals: info.decimals), currency: info.code,
                                   createdAt: at, ref: ref))
        }
        // The wallet clock runs a second or so behind Saba's.
        add("bet", -risk, t.transTime.addingTimeInterval(-1))
        let settledAt = t.settlementTime ?? t.transTime.addingTimeInterval(3600)
        if t.alreadyCashout {
            add("cashout", t.cashoutPrice ?? 0, settledAt, ref: "co-\(t.transId)")
        } else if t.status.isStakeReturned {
            add("refund", risk, settledAt, ref: "rf-\(t.transId)")
        } else if t.status.isResult {
            if let r = ExpectedNet.balanceChanges(t).last {
                add("settle", risk + r.reSettlePrice, settledAt, ref: "st-\(t.transId)")
                add("resettle", (t.settlementPrice ?? 0) - r.reSettlePrice, r.resettleDate ?? settledAt, ref: "rs-\(t.transId)")
            } else {
                add("settle", risk + (t.settlementPrice ?? 0), settledAt, ref: "st-\(t.transId)")
            }
        }
        return out
    }

    /// The ledger for every ticket of the book (its most settled version), unchanged.
    public func cleanLedger() -> [LedgerEntry] {
        (0..<book.count).flatMap { i -> [LedgerEntry] in
            let t = book.entry(i).ticket
            if case .unknown = t.status { return [LedgerEntry](entries(for: t).prefix(1)) }
            return entries(for: t)
        }
    }

    /// The ledger with one mistake of each Saba kind, on tickets inside `judged` and
    /// older than `settledBefore` (so none is pending).
    public func seededLedger(judged: TimeRange, settledBefore: Date) -> (entries: [LedgerEntry], seeded: [Seeded], clean: [Clean]) {
        var byTicket: [String: [LedgerEntry]] = [:]
        var order: [String] = []
        var tickets: [String: Ticket] = [:]
        for i in 0..<book.count {
            let t = book.entry(i).ticket
            tickets[t.transId] = t
            order.append(t.transId)
            if case .unknown = t.status {
                byTicket[t.transId] = Array(entries(for: t).prefix(1))
            } else {
                byTicket[t.transId] = entries(for: t)
            }
        }
        var seeded: [Seeded] = []
        var clean: [Clean] = []
        var used: Set<String> = []
        func pick(_ what: (Ticket) -> Bool) -> Ticket? {
            for id in order {
                guard let t = tickets[id], !used.contains(id), judged.contains(t.transTime), t.transTime < settledBefore,
                      t.status.isKnown, what(t) else { continue }
                used.insert(id)
                return t
            }
            return nil
        }
        func plain(_ t: Ticket) -> Bool { !t.alreadyCashout && t.resettles.isEmpty }

        if let t = pick({ $0.status == .won && plain($0) }) {
            byTicket[t.transId] = []
            seeded.append(Seeded(kind: .missingInLedger, transId: t.transId, what: "all wallet entries of a won ticket deleted"))
        }
        if let t = pick({ $0.status == .lose && plain($0) }), var list = byTicket[t.transId] {
            list[0].memberId = "m9999"
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .memberMismatch, transId: t.transId, what: "bet booked to another player"))
        }
        if let t = pick({ $0.status == .lose && plain($0) }), var list = byTicket[t.transId] {
            for k in list.indices { list[k].currency = "EUR" }
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .currencyMismatch, transId: t.transId, what: "ticket booked in EUR"))
        }
        if let t = pick({ $0.status == .lose && plain($0) }), var list = byTicket[t.transId], let bet = list.first {
            var copy = bet
            copy.entryId += "-dup"
            copy.createdAt = copy.createdAt.addingTimeInterval(2)
            list.append(copy)
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .duplicateEntry, transId: t.transId, what: "bet debited twice"))
        }
        if let t = pick({ $0.status == .won && plain($0) && $0.currency == 3 }), var list = byTicket[t.transId] {
            list[0].amount -= 1
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .stakeMismatch, transId: t.transId, what: "bet debited 1.00 too much"))
        }
        if let t = pick({ $0.status == .void }), var list = byTicket[t.transId] {
            list.removeAll { $0.kind == "refund" }
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .refundMissing, transId: t.transId, what: "void ticket's stake never returned"))
        }
        if let t = pick({ !$0.resettles.isEmpty }), var list = byTicket[t.transId] {
            list.removeAll { $0.kind == "resettle" }
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .resettleNotApplied, transId: t.transId, what: "resettle never applied"))
        }
        if let t = pick({ $0.status == .won && plain($0) }), var list = byTicket[t.transId] {
            list.removeAll { $0.kind == "settle" }
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .payoutMissing, transId: t.transId, what: "won ticket never paid"))
        }
        if let t = pick({ $0.status == .running && $0.settlementRank == 1 }), var list = byTicket[t.transId] {
            let info = currencies[t.currency] ?? CurrencyInfo(code: "XXX")
            list.append(LedgerEntry(entryId: "w-\(t.transId)-early", provider: "saba", ticketId: t.transId, memberId: t.memberId,
                                    kind: "settle", amount: t.stake * 2 * info.scale, currency: info.code,
                                    createdAt: t.transTime.addingTimeInterval(600), ref: "st-\(t.transId)"))
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .settledWhileRunning, transId: t.transId, what: "running ticket paid out early"))
        }
        // A payout that fits the currency's minor unit: one that does not (12.345 USD) may be booked
        // rounded either way, so a unit more could be rounding, not a mistake (SPEC §2).
        func payoutFits(_ t: Ticket) -> Bool {
            guard let info = currencies[t.currency], let risk = try? StakeAtRisk.of(t, basis: .actual).get() else { return false }
            return ((risk.amount + (t.settlementPrice ?? 0)) * info.scale).fits(decimals: info.decimals)
                && (risk.amount * info.scale).fits(decimals: info.decimals)
        }
        if let t = pick({ $0.status == .won && plain($0) && payoutFits($0) }), var list = byTicket[t.transId], let k = list.firstIndex(where: { $0.kind == "settle" }) {
            // One minor unit of the ticket's currency: 0.01 USD, 1 dong (0.01 dong could not be booked).
            list[k].amount += Money.minorUnit(decimals: (currencies[t.currency] ?? CurrencyInfo(code: "XXX")).decimals)
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .netMismatch, transId: t.transId, what: "payout one minor unit too high"))
        }
        func negative(_ t: Ticket) -> Bool { (try? StakeAtRisk.of(t, basis: .actual).get())?.odds != nil }
        if let t = pick({ $0.status == .won && plain($0) && $0.currency == 3 && negative($0) }), var list = byTicket[t.transId] {
            // The nominal stake debited where the stake at risk was due.
            list[0].amount = -t.stake
            byTicket[t.transId] = list
            seeded.append(Seeded(kind: .stakeMismatch, transId: t.transId, what: "negative-odds bet debited the nominal stake"))
        }
        if let t = pick({ $0.status == .reject }) {
            byTicket[t.transId] = []
            clean.append(Clean(transId: t.transId, what: "rejected bet never debited"))
        }
        if let t = pick({ t in
            guard t.currency == 51, t.status == .lose, plain(t), let risk = try? StakeAtRisk.of(t, basis: .actual).get(), risk.odds != nil else { return false }
            return !(risk.amount * 1000).fits(decimals: 0)
        }) {
            clean.append(Clean(transId: t.transId, what: "VND stake at risk booked rounded to whole dong"))
        }
        if let first = pick({ _ in true }) {
            let ghost = "9" + first.transId
            byTicket[ghost] = [LedgerEntry(entryId: "w-\(ghost)-1", provider: "saba", ticketId: ghost, memberId: first.memberId, kind: "bet",
                                           amount: -25, currency: "USD", createdAt: first.transTime.addingTimeInterval(30))]
            order.append(ghost)
            used.remove(first.transId)
            seeded.append(Seeded(kind: .missingAtProvider, transId: ghost, what: "wallet bet for a ticket Saba never had"))
        }
        for i in 0..<book.count where book.unknownStatusEvery > 0 {
            let t = book.entry(i).ticket
            if case .unknown = t.status, judged.contains(t.transTime), t.transTime < settledBefore {
                seeded.append(Seeded(kind: .unknownStatus, transId: t.transId, what: "Saba status '\(t.status)'"))
            }
        }
        return (order.flatMap { byTicket[$0] ?? [] }, seeded, clean)
    }
}

extension Ticket {
    var settlementRank: Int { status.settlementRank }
}
