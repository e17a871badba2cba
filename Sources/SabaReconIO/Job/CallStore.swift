import SabaReconCore

/// Where a run's calls are staged: the run's own `run.sqlite` (`RunStore`), or the shared
/// PostgreSQL store for a call this worker claimed (`SharedRunStore.ClaimedCall`). A call's
/// tickets stream in as they are decoded, and are committed with the call's done mark in
/// one step: a killed run never counts a half-staged call as done. Both keep a transId seen
/// twice by `MoreSettledWins`.
public protocol CallStore {
    /// Calls already committed (a resumed run skips them).
    func committedCalls() throws -> Set<FetchCall>
    /// Stages one call: `fetch` hands each decoded ticket to `stage` and returns the call's
    /// stats, which are committed with its tickets.
    func stage(_ call: FetchCall, fetch: (_ stage: (Ticket) throws -> Void) throws -> FetchStats) throws -> FetchStats
}
