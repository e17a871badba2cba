import Foundation

/// Renews a claim's lease on a thread of its own every third of the lease, until stopped:
/// a worker that is alive keeps its window; one that is killed loses it when the lease ends.
/// When a renewal finds the claim gone, `lost` says so and the work in hand stops.
final class LeaseKeeper: Sendable {
    private let stopped = SharedFlag()
    private let gone = SharedFlag()
    private let thread: BackgroundThread<Void>

    /// `renew` returns false when the claim is no longer this process's.
    init(every interval: TimeInterval, renew: @escaping @Sendable () throws -> Bool) {
        let stopped = self.stopped
        let gone = self.gone
        thread = BackgroundThread {
            while true {
                stopped.nap(interval)
                if stopped.isRaised { return }
                // A renewal that fails (the store unreachable past its retries) is tried again at
                // the next tick; the commit checks the claim itself.
                if let held = try? renew(), !held { gone.raise() }
            }
        }
    }

    /// The claim was found taken over: stop the work it covers.
    var lost: Bool { gone.isRaised }

    func stop() {
        stopped.raise()
        _ = try? thread.wait()
    }
}
