import Foundation

/// What the workbook and the page say about the run itself: its id, range, clock, outcome
/// and inputs (the manifest's facts, given before the manifest is written).
public struct ReportContext: Sendable, Equatable {
    public struct Input: Sendable, Equatable {
        public var name: String
        public var description: String
        public var records: Int
        public var sha256: String

        public init(name: String, description: String, records: Int, sha256: String) {
            self.name = name
            self.description = description
            self.records = records
            self.sha256 = sha256
        }
    }

    public var runId: String
    public var toolVersion: String
    public var now: Date
    public var rangeStart: Date
    public var rangeEnd: Date
    /// `reconciled`, `discrepancies` or `nothing_judged`.
    public var outcome: RunOutcome
    public var exitStatus: Int32
    /// GetBetDetails calls made (two per window: unsettled and settled; edge windows included).
    public var windows: Int
    public var ticketsStaged: Int
    public var inputs: [Input]
    /// `resumed` or `rediff of RUN_ID`.
    public var basedOn: String?
    /// Why a run that judged nothing exits 2.
    public var note: String?

    public init(runId: String, toolVersion: String, now: Date, rangeStart: Date, rangeEnd: Date, outcome: RunOutcome, exitStatus: Int32,
                windows: Int = 0, ticketsStaged: Int = 0, inputs: [Input] = [], basedOn: String? = nil, note: String? = nil) {
        self.runId = runId
        self.toolVersion = toolVersion
        self.now = now
        self.rangeStart = rangeStart
        self.rangeEnd = rangeEnd
        self.outcome = outcome
        self.exitStatus = exitStatus
        self.windows = windows
        self.ticketsStaged = ticketsStaged
        self.inputs = inputs
        self.basedOn = basedOn
        self.note = note
    }
}
