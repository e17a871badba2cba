import Foundation
import SabaReconCore

/// Everything one reconciliation run needs besides its edges and what to start.
public struct ReconcileOptions: Sendable {
    /// This process's judging settings: a new run records them; a resumed or shared run
    /// judges with the ones it recorded (`RunJudging`).
    public var judging: RunJudging
    /// A rediff's settings given as flags: they replace the old run's recorded ones.
    public var judgingOverrides: Set<SettingKey> = []
    public var outRoot: URL
    public var currencies: CurrencyTable
    /// Already redacted.
    public var commandLine: [String]
    public var toolVersion: String
    /// Decompressed bytes one refund-record file may hold, and malformed lines listed one by one.
    public var refundMaxBytes: Int
    public var refundMaxMalformed: Int
    public var refundMaxLines: Int
    /// Market id -> group, for `bet_stop` messages that name groups.
    public var marketGroups: [String: String] = [:]
    /// How far before a refund record its original movements are looked for.
    public var refundLookback = ReconcileOptions.defaultRefundLookback
    public static let defaultRefundLookback: TimeInterval = 86_400
    /// Set when this process publishes a run fetched by several (SPEC §7): the run is
    /// finished like a resumed one, but it is its first and only publication.
    public var sharedRun: Manifest.SharedRun?
    /// The shared run's tickets, copied from the store into run.sqlite by its publisher: run
    /// where the fetch runs, so the ledger is read on the other core meanwhile.
    public var copyTickets: (@Sendable (RunStore) throws -> Void)?
    /// This job publishes a shared run: it fetches nothing (the copy brings every call).
    var publishesSharedRun: Bool { copyTickets != nil }
    /// What this process kept ahead for the shared run it opened; the job takes its ledger
    /// if it publishes that run.
    var runAhead: RunAhead?
    /// The run store this process works with, for a break book kept there (opened when asked).
    public var runStore: @Sendable () throws -> SharedRunStore? = { nil }
    /// GetBetDetails calls in flight together.
    public var fetchConcurrency = 1
    /// Names the run in metrics (`run`, `nightly`, `rediff`).
    public var command = "run"
    /// Called as the fetch goes (a terminal's progress line); nil under cron.
    public var progress: (@Sendable (JobProgress) -> Void)?

    public init(judging: RunJudging = RunJudging(), outRoot: URL, currencies: CurrencyTable = .builtIn, commandLine: [String] = [], toolVersion: String,
                refundMaxBytes: Int = 4 << 30, refundMaxMalformed: Int = 1000, refundMaxLines: Int = 5_000_000) {
        self.judging = judging
        self.outRoot = outRoot
        self.currencies = currencies
        self.commandLine = commandLine
        self.toolVersion = toolVersion
        self.refundMaxBytes = refundMaxBytes
        self.refundMaxMalformed = refundMaxMalformed
        self.refundMaxLines = refundMaxLines
    }
}
