import Foundation
import Synchronization

/// The fetch helpers of one process in a shared run (`fetch_concurrency` above 1): threads
/// that claim and fetch calls beside the process's own worker, each with its own store
/// connections. Stopped together, after the call each one is fetching.
final class WorkerHelpers: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let threads = Mutex<[BackgroundThread<Void>]>([])
    private let stores = Mutex<[SharedRunStore]>([])

    func start(store: SharedRunStore, _ work: @escaping @Sendable (_ stop: () -> Bool) -> Void) {
        let thread = BackgroundThread<Void> { [self] in work { self.stopping.load(ordering: .relaxed) } }
        threads.withLock { $0.append(thread) }
        stores.withLock { $0.append(store) }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        let started = threads.withLock { t -> [BackgroundThread<Void>] in
            let all = t
            t = []
            return all
        }
        for thread in started { _ = try? thread.wait() }
        let opened = stores.withLock { s -> [SharedRunStore] in
            let all = s
            s = []
            return all
        }
        for store in opened { store.close() }
    }
}
