/// The step of a run an error came from, so an operator (and a retry) knows what failed:
/// the one stderr line names it, and the store records it with the run's failure.
public enum RunStage: String, Sendable, Equatable, CaseIterable {
    /// Settings, the run folder, run.json, the lock.
    case open
    /// Refund-record files, read before any provider call.
    case refunds
    /// A GetBetDetails call or its staging.
    case fetch
    /// The wallet ledger's read.
    case ledger
    case match
    /// The report files and `latest`.
    case reports
    /// The shared run's store (SPEC §7).
    case store
}
