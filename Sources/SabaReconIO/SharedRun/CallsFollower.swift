import Foundation
import Logging

/// Copies the calls other processes commit for the run this process opened into its private
/// `run.sqlite` (`TicketsAhead`) while the run is still being fetched, so that publishing
/// copies only the calls committed last (SPEC §7; the issue-23 tail: with four processes the
/// publisher copied three quarters of the tickets after the last call). A thread of its own,
/// with its own store connection; looks once a second, at a lower priority than the fetch
/// and the ledger read beside it. Best effort: what stops it is logged, and the publisher
/// copies what was not staged here.
final class CallsFollower: Sendable {
    private let stopped = SharedFlag()
    private let thread: BackgroundThread<Void>

    init(runId: String, store: SharedRunStore, tickets: TicketsAhead, every: TimeInterval = 1, logger: Logger) {
        thread = BackgroundThread { [stopped] in
            defer { store.close() }
            FetchStage.yieldToOtherWork()
            let stop = { stopped.isRaised }
            while !stop() {
                do {
                    for (call, _, _) in try store.calls(of: runId) where !tickets.holds(call.fetch.planOrder) {
                        if stop() { return }
                        try tickets.copy(call.fetch.planOrder, of: runId, from: store, stop: stop)
                    }
                } catch is TicketsAhead.Stopped {
                    return
                } catch {
                    logger.notice("run \(runId): the calls other processes fetched are copied from the store when published, not ahead: \(error)")
                    return
                }
                stopped.nap(every)
            }
        }
    }

    /// Ends the copying (a call being copied is cut short), waiting a few seconds at most for
    /// the thread: one stuck on its store connection (a PostgreSQL fail-over) must not hold up
    /// publishing. A write it makes later is refused (`TicketsAhead.handOver`).
    func stop(waitingAtMost seconds: TimeInterval = 5) {
        stopped.raise()
        _ = thread.ended(within: seconds)
    }
}
