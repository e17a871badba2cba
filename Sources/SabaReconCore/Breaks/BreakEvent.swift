import Foundation

/// One entry of the book's audit trail: nothing a person said or the job decided about a
/// break is deleted (SPEC §9).
public struct BreakEvent: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable {
        case acknowledged, withdrawn, lapsed
    }

    public var breakId: String
    public var action: Action
    /// A person's name (`--by`), or `saba-recon` for a lapse.
    public var by: String
    public var reason: String
    public var at: Date
    /// The run that decided it (a lapse), nil for a person's command.
    public var runId: String?
    public var until: Int?

    public init(breakId: String, action: Action, by: String, reason: String, at: Date, runId: String? = nil, until: Int? = nil) {
        self.breakId = breakId
        self.action = action
        self.by = by
        self.reason = reason
        self.at = at
        self.runId = runId
        self.until = until
    }
}
