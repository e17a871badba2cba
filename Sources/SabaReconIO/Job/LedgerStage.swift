import Foundation
import Logging
import SabaReconCore
import Synchronization

/// ledger -> stage, on a thread of its own: the ledger is read while the windows are
/// fetched, so the two use both cores. `wait()` joins it; `stop()` asks it to end early
/// (the fetch failed), and it then stops at its next row.
final class LedgerStage: Sendable {
    private let outcome = Mutex<Result<(StagedLedger, Double), any Error>?>(nil)
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts reading `reads` of `source` into `store` at once.
    init(store: RunStore, source: any LedgerSource, reads: [LedgerRead], indexForRefunds: Bool, clock: any WallClock) {
        let thread = Thread { [self] in
            let started = clock.now()
            let result = Result {
                let staged = try store.stageLedger(from: source, reads: reads, indexForRefunds: indexForRefunds,
                                                   shouldStop: { self.stopping.load(ordering: .relaxed) })
                return (staged, clock.now().timeIntervalSince(started))
            }
            self.outcome.withLock { $0 = result }
            self.finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func stop() { stopping.store(true, ordering: .relaxed) }

    /// Throws the ledger's error if staging has already failed; returns at once otherwise.
    func checkFailed() throws {
        if case .failure(let error)? = outcome.withLock({ $0 }) { throw error }
    }

    /// The staged ledger and the seconds it took, or the error that stopped it.
    func wait() throws -> (StagedLedger, Double) {
        finished.wait()
        finished.signal()  // a second wait returns at once
        guard let result = outcome.withLock({ $0 }) else { throw StagingStopped() }
        return try result.get()
    }
}
