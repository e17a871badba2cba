import Foundation
import SabaReconCore

/// Everything one reconciliation run needs besides its edges and what to start.
public struct ReconcileOptions: Sendable {
    public var grace: TimeInterval
    /// Seconds east of UTC of the accounting day (daily.csv).
    public var accountingOffset = 0
    /// SPEC §2: tolerance on top of rounding, per currency.
    public var tolerances: ToleranceTable
    /// What the wallet debits at placement (SPEC §2).
    public var stakeBasis: StakeBasis = .actual
    public var outRoot: URL
    public var byteOrderMark: Bool
    /// discrepancies.xlsx and report.html (SPEC §8).
    public var workbook = true
    public var html = true
    public var currencies: CurrencyTable
    /// Already redacted.
    public var commandLine: [String]
    public var toolVersion: String
    /// Refund-record files or folders (SPEC 1.4); empty = no refund checks.
    public var refundPaths: [String] = []
    /// Decompressed bytes one refund-record file may hold, and malformed lines listed one by one.
    public var refundMaxBytes = 4 << 30
    public var refundMaxMalformed = 1000
    public var refundMaxLines = 5_000_000
    /// How long after a `bet_stop` an accepted feed bet is reported.
    public var betStopWindow: TimeInterval = 60
    /// Market id -> group, for `bet_stop` messages that name groups.
    public var marketGroups: [String: String] = [:]
    /// How far before a refund record its original movements are looked for.
    public var refundLookback: TimeInterval = 86_400
    /// Set when this process publishes a run fetched by several (SPEC §7): the run is
    /// finished like a resumed one, but it is its first and only publication.
    public var sharedRun: Manifest.SharedRun?
    /// Names the run in metrics (`run`, `nightly`, `rediff`).
    public var command = "run"
    /// Called as the fetch goes (a terminal's progress line); nil under cron.
    public var progress: (@Sendable (JobProgress) -> Void)?

    public init(grace: TimeInterval = 900, tolerances: ToleranceTable = .exact, outRoot: URL, byteOrderMark: Bool = false,
                currencies: CurrencyTable = .builtIn, commandLine: [String] = [], toolVersion: String) {
        self.grace = grace
        self.tolerances = tolerances
        self.outRoot = outRoot
        self.byteOrderMark = byteOrderMark
        self.currencies = currencies
        self.commandLine = commandLine
        self.toolVersion = toolVersion
    }
}
