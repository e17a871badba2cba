/// How a run ended, as `manifest.json`'s `outcome` says it (SPEC §4) and the page shows it.
public enum RunOutcome: String, Sendable, Codable, Equatable, CaseIterable {
    case reconciled
    case discrepancies
    /// Data was read but nothing was judged (every ticket inside the grace period): exit 2,
    /// `latest` not moved.
    case nothingJudged = "nothing_judged"
    case failed

    /// What a completed run's rows make it.
    public init(rows: Int) {
        self = rows == 0 ? .reconciled : .discrepancies
    }

    /// The exit status this outcome is reported with (SPEC §5).
    public var exitStatus: Int32 {
        switch self {
        case .reconciled: 0
        case .discrepancies: 1
        case .nothingJudged, .failed: 2
        }
    }
}
