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
        var (reconciliation, tickets, digest) = try walk(store)
        metrics.stageSeconds[.match] = clock.now().timeIntervalSince(started)
        if !book.isEmpty {
            let refundsStarted = clock.now()
            try RefundJudge(store: store, matcher: refunds).judge(book, into: &reconciliation)
            metrics.stageSeconds[.refunds] = clock.now().timeIntervalSince(refundsStarted)
        }
        metrics.ticketsStaged = tickets
        return Outcome(reconciliation: reconciliation.sorted(), ticketsStaged: tickets, ticketsDigest: digest)
    }

    /// The ticket walk, in two halves by ticket id on two threads when the store has files
    /// (each group is judged alone, so the halves are independent). The checksum is a SHA-256
    /// over the two halves' SHA-256s, in ticket order.
    func walk(_ store: RunStore) throws -> (Reconciliation, Int, String) {
        let matcher = TicketMatcher(policy: policy)
        guard let pivot = try store.median(), let reader = try store.reader() else {
            let (r, n, d) = try Self.half(store, matcher, from: nil, below: nil)
            return (r, n, SHA256.hex(Array(d.utf8)))
        }
        let upper = BackgroundThread { try Self.half(reader, matcher, from: pivot, below: nil) }
        let lower = Result { try Self.half(store, matcher, from: nil, below: pivot) }
        let other = Result { try upper.wait() }  // joined before either error is thrown
        let (a, na, da) = try lower.get()
        let (b, nb, db) = try other.get()
        var merged = a
        merged.merge(b)
        return (merged, na + nb, SHA256.hex(Array((da + "\n" + db).utf8)))
    }

    static func half(_ store: RunStore, _ matcher: TicketMatcher, from: String?, below: String?) throws -> (Reconciliation, Int, String) {
        var reconciliation = Reconciliation()
        var tickets = 0
        let digest = try store.forEachGroup(from: from, below: below) { ticket, entries in
            if ticket != nil { tickets += 1 }
            reconciliation.add(matcher.match(ticket: ticket, entries: entries))
        }
        return (reconciliation, tickets, digest)
    }
}
