import PostgresNIO

/// What a shared store's failure means for the work in hand (SPEC §7): a dropped connection
/// or a server that is restarting is worth another try; a lost claim means another process
/// has the work; anything else fails the run.
enum StoreFailure {
    /// SQLSTATEs worth another try: connection exceptions (08), admin/crash shutdown and a
    /// server that cannot take connections yet (57P01-57P03), serialization failures and
    /// deadlocks (40001, 40P01), too many connections (53300).
    static let retryableStates: Set<String> = ["57P01", "57P02", "57P03", "40001", "40P01", "53300"]

    static func isRetryable(_ error: any Error) -> Bool {
        if let job = error as? JobError { return job.underlying.map(isRetryable) ?? false }
        guard let psql = error as? PSQLError else { return false }
        switch psql.code {
        case .serverClosedConnection, .connectionError, .uncleanShutdown:
            return true
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || retryableStates.contains(state)
        default:
            return false
        }
    }

    /// This process's claim on a call or on publishing is gone: its lease ran out and another
    /// process took the work over, or finished it. Not a failure of the run.
    struct ClaimLost: Error, Sendable, CustomStringConvertible {
        var description: String
    }
}
