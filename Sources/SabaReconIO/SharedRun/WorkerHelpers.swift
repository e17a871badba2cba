import Foundation
import Synchronization

/// The fetch helpers of one process in a shared run (`fetch_concurrency` above 1): threads
/// that claim and fetch calls beside the process's own worker, each with its own store
/// connections. Stopped together, after the call each one is fetching.
final class WorkerHelpers: Sendable {
    private let stopping = SharedFlag()
    private let threads = Mutex<[BackgroundThread<Void>]>([])
    private let stores = Mutex<[SharedRunStore]>([])

    /// A helper's wait between looks for work (its poll interval), cut short by `stop()`: the
    /// process ends as soon as the run is published, not up to a poll interval later.
    func nap(_ seconds: TimeInterval) { stopping.nap(seconds) }

    /// `work` throws what stopped it (a call the provider refused fails its run in the store
    /// too); `stop()` returns the first such error, for the process's exit status.
    func start(store: SharedRunStore, _ work: @escaping @Sendable (_ stop: () -> Bool) throws -> Void) {
        let thread = BackgroundThread<Void> { [self] in try work { self.stopping.isRaised } }
        threads.withLock { $0.append(thread) }
        stores.withLock { $0.append(store) }
    }

    @discardableResult
    func stop() -> (any Error)? {
        stopping.raise()
        let started = threads.withLock { t -> [BackgroundThread<Void>] in
            let all = t
            t = []
            return all
        }
        var first: (any Error)?
        for thread in started {
            do { try thread.wait() } catch { first = first ?? error }
        }
        let opened = stores.withLock { s -> [SharedRunStore] in
            let all = s
            s = []
            return all
        }
        for store in opened { store.close() }
        return first
    }
}
