import Foundation
import SabaReconCore

/// What a job is asked to do: the one value the CLI hands over.
public enum JobStart: Sendable, Equatable {
    /// A new run of these windows, judged at `now`.
    case fresh(WindowPlan, now: Date)
    /// Continue this killed run in its own folder, with its own windows and clock:
    /// finished calls are not fetched again.
    case resume(runId: String)
    /// Match this finished run's staged tickets against the ledger as it is now, into a
    /// new run folder; no provider calls.
    case rediff(runId: String)

    /// True when the provider is called (a rediff never does).
    public var fetches: Bool {
        if case .rediff = self { return false }
        return true
    }
}
