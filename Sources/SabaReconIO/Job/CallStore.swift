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

/// Where calls fetched together are staged, by one writer: tickets of any call in flight as
/// they arrive, and a call committed (its done mark with everything staged so far) once its
/// last ticket is in. Tickets of a call still in flight that a commit carries along are
/// kept: if that call never completes, a resume fetches it again, and its fresh versions
/// replace them when at least as settled (`MoreSettledWins`); a ticket the fetch again no
/// longer returns, or returns less settled, keeps the version staged first, as the rule
/// keeps the more settled of any two versions of a run.
public protocol CallSink {
    func stage(_ ticket: Ticket, of call: FetchCall) throws
    func commit(_ call: FetchCall, stats: FetchStats) throws
}

/// A `CallStore` that can take calls fetched together (the run's `run.sqlite`).
public protocol ConcurrentCallStore: CallStore {
    /// Runs `body` with a sink in an open transaction; what was not committed when `body`
    /// throws is rolled back.
    func staging(_ body: (any CallSink) throws -> Void) throws
}
