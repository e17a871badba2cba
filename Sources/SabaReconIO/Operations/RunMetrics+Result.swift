import Foundation

extension RunMetrics {
    /// What a completed run found, as its publisher records it in a shared run's store
    /// (SPEC §7), so that a process that waited for another's publication writes the same
    /// discrepancy and break metrics instead of a zero that reads as "all clear". The fetch
    /// counters stay each process's own.
    public struct Result: Sendable, Equatable, Codable {
        public var ticketsStaged: Int
        public var ledgerEntries: Int
        public var pending: Int
        public var judged: Int
        public var discrepancies: [Count]
        public var breaks: [String: Int]?
        public var oldestOpenBreakDays: Int?

        public struct Count: Sendable, Equatable, Codable {
            public var kind: String
            public var currency: String
            public var count: Int
        }

        /// A stored result longer than this is not one this job wrote (SPEC §6).
        public static let maxBytes = 1 << 20
    }

    public var result: Result {
        Result(ticketsStaged: ticketsStaged, ledgerEntries: ledgerEntries, pending: pending, judged: judged,
               discrepancies: discrepancies.map { Result.Count(kind: $0.kind, currency: $0.currency, count: $0.count) },
               breaks: breaks, oldestOpenBreakDays: oldestOpenBreakDays)
    }

    /// These metrics with a published run's findings.
    public mutating func take(_ r: Result) {
        ticketsStaged = r.ticketsStaged
        ledgerEntries = r.ledgerEntries
        pending = r.pending
        judged = r.judged
        discrepancies = r.discrepancies.map { DiscrepancyCount(kind: $0.kind, currency: $0.currency, count: $0.count) }
        breaks = r.breaks
        oldestOpenBreakDays = r.oldestOpenBreakDays
        resultKnown = true
    }
}
