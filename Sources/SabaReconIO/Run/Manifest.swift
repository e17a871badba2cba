import Foundation
import SabaReconCore

/// `manifest.json`: what ran, on what, with which rules, and what it wrote.
public struct Manifest: Sendable, Codable {
    public struct Window: Sendable, Codable {
        public var start: String
        public var end: String
        public var is_edge: Bool
        public var is_settled: Bool
        public var tickets: Int
        public var bytes: Int
        public var attempts: Int
        public var seconds: Double
    }

    public struct Input: Sendable, Codable {
        public var name: String
        public var description: String
        public var records: Int
        public var sha256: String
    }

    public var run_id: String
    public var tool: String
    public var tool_version: String
    public var command_line: [String]
    public var now: String
    public var range_start: String
    public var range_end: String
    public var range_clamped: Bool
    public var api_url: String
    public var api_version: String
    public var windows: [Window]
    public var inputs: [Input]
    /// The tolerance setting as given (`0.01,VND=1`); `tolerances` spells it out.
    public var tolerance: String
    /// SPEC §2: the tolerance in force per currency (`*`: every other one), on top of rounding
    /// to each currency's minor unit (`currency_decimals`, the ledger codes of the table).
    public var tolerances: [String: String]? = nil
    public var currency_decimals: [String: Int]? = nil
    /// `actual` (the stake at risk) or `nominal`.
    public var stake_basis: String? = nil
    public var grace_seconds: Double
    public var edge_margin_seconds: Double
    public var tickets_staged: Int
    public var discrepancies: Int
    public var discrepancies_by_kind: [String: Int]
    public var pending: Int
    public var reports: [String: String]
    public var started_at: String
    public var finished_at: String
    public var outcome: RunOutcome
    public var exit_status: Int32
    public var error: String?
    /// `resumed`, or `rediff of RUN_ID`; nil for a plain run.
    public var based_on: String?
    /// A run shared by several processes (SPEC §7): who fetched which call, who published.
    public struct SharedRun: Sendable, Codable, Equatable {
        public struct Call: Sendable, Codable, Equatable {
            public var window_start: String
            public var window_end: String
            public var is_settled: Bool
            public var fetched_by: String
            public init(window_start: String, window_end: String, is_settled: Bool, fetched_by: String) {
                self.window_start = window_start
                self.window_end = window_end
                self.is_settled = is_settled
                self.fetched_by = fetched_by
            }
        }
        public var store: String
        public var published_by: String
        public var calls: [Call]
        public init(store: String, published_by: String, calls: [Call]) {
            self.store = store
            self.published_by = published_by
            self.calls = calls
        }
    }

    public var shared_run: SharedRun? = nil
    /// A resumed, rediffed or shared run judges with the settings recorded at its creation;
    /// where the publishing process's own settings differed, one line each.
    public var setting_differences: [String]? = nil
    /// The break book's statuses of this run's rows, and the breaks it resolved (SPEC §9).
    public var breaks: [String: Int]? = nil
    /// Per currency, the sum of |difference| over the discrepancies (report.html's trend).
    public var money_at_stake: [String: String]? = nil
}
