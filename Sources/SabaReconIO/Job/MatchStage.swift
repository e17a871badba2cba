import Foundation
import SabaReconCore

/// match: the staged tickets and ledger walked together through the pure `TicketMatcher`,
/// then the refund records through the pure `RefundMatcher` with their ledger lookups.
struct MatchStage {
    var policy: MatchPolicy
    var refunds: RefundMatcher

    struct Outcome {
        var reconciliation: Reconciliation
        var ticketsStaged: Int
        var ticketsDigest: String
    }

    func run(store: RunStore, book: RefundBook, metrics: inout RunMetrics, clock: any WallClock) throws -> Outcome {
        let started = clock.now()
        let matcher = TicketMatcher(policy: policy)
        var reconciliation = Reconciliation()
        var tickets = 0
        let digest = try store.forEachGroup { ticket, entries in
            if ticket != nil { tickets += 1 }
            reconciliation.add(matcher.match(ticket: ticket, entries: entries))
        }
        metrics.stageSeconds[.match] = clock.now().timeIntervalSince(started)
        if !book.isEmpty {
            let refundsStarted = clock.now()
            try RefundJudge(store: store, matcher: refunds).judge(book, into: &reconciliation)
            metrics.stageSeconds[.refunds] = clock.now().timeIntervalSince(refundsStarted)
        }
        metrics.ticketsStaged = tickets
        return Outcome(reconciliation: reconciliation.sorted(), ticketsStaged: tickets, ticketsDigest: digest)
    }
}
