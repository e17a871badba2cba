import Foundation
import Logging
import SabaReconCore
import Synchronization

/// ledger -> stage, on a thread of its own: the ledger is read while the windows are
/// fetched, so the two use both cores. `wait()` joins it; `stop()` asks it to end early
/// (the fetch failed), and it then stops at its next row.
final class LedgerStage: Sendable {
    /// Raised when the fetch failed: staging ends at its next row.
    private let stopping: SharedFlag
    private let work: BackgroundThread<(StagedLedger, Double)>

    /// Starts reading `reads` of `source` into `store` at once.
    init(store: RunStore, source: any LedgerSource, reads: [LedgerRead], indexForRefunds: Bool, clock: any WallClock) {
        let stopping = SharedFlag()
        work = BackgroundThread {
            let started = clock.now()
            let staged = try store.stageLedger(from: source, reads: reads, indexForRefunds: indexForRefunds,
                                               shouldStop: { stopping.isRaised })
            return (staged, clock.now().timeIntervalSince(started))
        }
        self.stopping = stopping
    }

    func stop() { stopping.raise() }

    /// Throws the ledger's error if staging has already failed; returns at once otherwise.
    func checkFailed() throws {
        if let error = work.failure { throw error }
    }

    /// The staged ledger and the seconds it took, or the error that stopped it.
    func wait() throws -> (StagedLedger, Double) { try work.wait() }
}
