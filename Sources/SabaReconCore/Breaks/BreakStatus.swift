/// A reported row's standing in the break book (SPEC §9).
public enum BreakStatus: String, Sendable, Codable, CaseIterable {
    /// First seen in this run.
    case new
    /// Seen before, with the same difference and ledger amount.
    case open
    /// Seen before, with another difference or ledger amount.
    case changed
    /// Resolved by an earlier run, back now.
    case reopened
    /// A person's acknowledgement holds.
    case acknowledged

    /// What `--fail-on new` pages for: something nobody can have seen yet.
    public var isUnseen: Bool { self == .new || self == .changed || self == .reopened }
}

/// What exit status 1 means with the break book (`--fail-on`, SPEC §5). Every discrepancy
/// is reported whatever it says.
public enum FailOn: String, Sendable, CaseIterable {
    /// A discrepancy nobody has acknowledged (the default).
    case unacknowledged
    /// Only breaks first seen, changed or reopened in this run.
    case new
    /// Every discrepancy, acknowledged or not.
    case any

    /// Whether these rows' statuses make the run exit 1.
    public func fails(_ statuses: [BreakStatus]) -> Bool {
        switch self {
        case .any: !statuses.isEmpty
        case .unacknowledged: statuses.contains { $0 != .acknowledged }
        case .new: statuses.contains { $0.isUnseen }
        }
    }
}
