import Foundation

/// One earlier (or this) run in the same report folder, as its manifest tells it: what the
/// page's trend chart draws.
public struct RunTrendPoint: Sendable, Equatable {
    public var runId: String
    public var now: Date
    public var outcome: RunOutcome
    public var discrepancies: Int
    /// Currency -> sum of |difference| (the manifest's `money_at_stake`; empty for runs
    /// written before it existed).
    public var moneyAtStake: [String: Money]

    public init(runId: String, now: Date, outcome: RunOutcome, discrepancies: Int, moneyAtStake: [String: Money]) {
        self.runId = runId
        self.now = now
        self.outcome = outcome
        self.discrepancies = discrepancies
        self.moneyAtStake = moneyAtStake
    }

    /// Per currency, the sum of the rows' |ledger_net - provider_net|: what is at stake
    /// whichever side is wrong.
    public static func moneyAtStake(_ rows: [Discrepancy]) -> [String: Money] {
        var out: [String: Money] = [:]
        for r in rows { out[r.currency, default: 0] += (r.difference ?? 0).magnitude }
        return out
    }
}
