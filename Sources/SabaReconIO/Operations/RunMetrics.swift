import Foundation
import SabaReconCore

/// What one invocation did, for the Prometheus textfile: filled in as the job goes, so a
/// failed run reports the stages it got through.
public struct RunMetrics: Sendable, Equatable {
    public enum Stage: String, Sendable, CaseIterable {
        case fetch, ledger, match, refunds, reports
    }

    public var command: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// 0 reconciled, 1 discrepancies, 2 failed.
    public var exitStatus: Int32 = 2
    public var stageSeconds: [Stage: Double] = [:]
    /// Tickets and bytes fetched by this invocation (a resumed run counts only its own windows).
    public var ticketsFetched = 0
    public var bytesFetched = 0
    /// Tickets judged, from every window of the run.
    public var ticketsStaged = 0
    /// GetBetDetails calls made, and how many of them were retries.
    public var requests = 0
    public var retries = 0
    public var windowsFetched = 0
    /// Window calls a resumed run did not repeat.
    public var windowsReused = 0
    public var ledgerEntries = 0
    public var pending = 0
    /// Ticket groups judged (not pending, not outside the range).
    public var judged = 0
    /// Report rows by (kind, currency).
    public var discrepancies: [DiscrepancyCount] = []
    /// With the break book (SPEC §9): this run's rows per break status and the breaks it
    /// resolved, and the age in days of the oldest break waiting (0 when none waits).
    public var breaks: [String: Int]?
    public var oldestOpenBreakDays: Int?
    /// False for a process that waited on a shared run another published without saying what
    /// it found: the findings' metrics are left out rather than written as zeros.
    public var resultKnown = true

    public struct DiscrepancyCount: Sendable, Equatable {
        public var kind: String
        public var currency: String
        public var count: Int
    }

    public init(command: String, startedAt: Date) {
        self.command = command
        self.startedAt = startedAt
    }

    public var succeeded: Bool { exitStatus == 0 || exitStatus == 1 }

    public mutating func count(_ rows: [Discrepancy]) {
        var byKey: [String: DiscrepancyCount] = [:]
        for row in rows {
            let currency = row.currency.isEmpty ? "unknown" : row.currency
            byKey["\(row.kind.rawValue)\t\(currency)", default: DiscrepancyCount(kind: row.kind.rawValue, currency: currency, count: 0)].count += 1
        }
        discrepancies = byKey.values.sorted { ($0.kind, $0.currency) < ($1.kind, $1.currency) }
    }
}
