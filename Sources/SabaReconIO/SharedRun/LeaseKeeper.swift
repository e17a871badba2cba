import Foundation
import Synchronization

/// Renews a claim's lease on a thread of its own every third of the lease, until stopped:
/// a worker that is alive keeps its window; one that is killed loses it when the lease ends.
final class LeaseKeeper: Sendable {
    final class Flag: Sendable { let raised = Atomic<Bool>(false) }
    private let stopped = Flag()
    private let thread: BackgroundThread<Void>

    init(every interval: TimeInterval, renew: @escaping @Sendable () throws -> Void) {
        let stopped = self.stopped
        thread = BackgroundThread {
            var next = Date().addingTimeInterval(interval)
            while !stopped.raised.load(ordering: .relaxed) {
                usleep(50_000)
                guard Date() >= next else { continue }
                // A failed renewal is retried at the next tick; the commit does not need the lease.
                try? renew()
                next = Date().addingTimeInterval(interval)
            }
        }
    }

    func stop() {
        stopped.raised.store(true, ordering: .relaxed)
        _ = try? thread.wait()
    }
}
