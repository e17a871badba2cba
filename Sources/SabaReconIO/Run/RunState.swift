/// Where a run shared through the store is (SPEC §7): the `state` column of
/// `saba_recon.runs`, moved by the workers (`SharedRunStore`), never by the CLI.
public enum RunState: String, Sendable, Equatable, CaseIterable {
    /// Calls still to fetch (or being fetched).
    case fetching
    /// Every call committed; one process holds the publishing claim.
    case publishing
    /// Published: its reports are under the shared report root.
    case done
    /// A call the provider refused, or the publishing failed: every waiting process exits 2.
    case failed

    /// Nothing more will happen to it.
    public var isFinal: Bool { self == .done || self == .failed }
}
