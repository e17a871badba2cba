import Foundation

/// The run's findings, gathered group by group and then put in report order.
public struct Reconciliation: Sendable, Equatable {
    public private(set) var rows: [Discrepancy] = []
    public private(set) var pending: [PendingItem] = []
    public private(set) var controls: [String: ControlTotals] = [:]
    /// The same control totals per accounting day and currency (`daily.csv`): per currency
    /// the days add up exactly to `controls`.
    public private(set) var daily: [DayCurrency: ControlTotals] = [:]

    public struct DayCurrency: Hashable, Comparable, Sendable {
        /// Days since 1970-01-01 in the accounting zone (`MatchPolicy.dayText` formats it).
        public var day: Int
        public var currency: String
        public static func < (a: DayCurrency, b: DayCurrency) -> Bool { (a.day, a.currency) < (b.day, b.currency) }
    }
    public private(set) var groupsJudged = 0
    /// Named counts for the summary (refund lines read, records folded, not judged, ...).
    public private(set) var counters: [String: Int] = [:]

    public init() {}

    public mutating func add(_ outcome: GroupOutcome) {
        rows.append(contentsOf: outcome.rows)
        if let p = outcome.pending { pending.append(p) }
        if !outcome.controls.isEmpty { groupsJudged += 1 }
        for c in outcome.controls {
            controls[c.currency, default: ControlTotals(currency: c.currency)].add(c)
            daily[DayCurrency(day: outcome.day ?? 0, currency: c.currency), default: ControlTotals(currency: c.currency)].add(c)
        }
    }

    /// Folds in what another part of the same run found (the match walks two halves of the
    /// tickets at once). Totals add exactly, and `sorted()` orders the rows afterwards, so the
    /// result does not depend on how the run was split.
    public mutating func merge(_ other: Reconciliation) {
        rows.append(contentsOf: other.rows)
        pending.append(contentsOf: other.pending)
        groupsJudged += other.groupsJudged
        for (currency, c) in other.controls { controls[currency, default: ControlTotals(currency: currency)].add(c) }
        for (key, c) in other.daily { daily[key, default: ControlTotals(currency: key.currency)].add(c) }
        counters.merge(other.counters, uniquingKeysWith: +)
    }

    public mutating func add(rows more: [Discrepancy]) {
        rows.append(contentsOf: more)
    }

    public mutating func count(_ more: [String: Int]) {
        counters.merge(more, uniquingKeysWith: +)
    }

    /// Rows in report order, pending items by id: same inputs give the same order.
    public func sorted() -> Reconciliation {
        var copy = self
        copy.rows.sort(by: Discrepancy.reportOrder)
        copy.pending.sort { $0.provider != $1.provider ? $0.provider < $1.provider : IdentifierOrder.less($0.transId, $1.transId) }
        return copy
    }

    /// Exit status per SPEC §5 for a completed run.
    public var exitStatus: Int32 { rows.isEmpty ? 0 : 1 }

    public var countsByKind: [DiscrepancyKind: Int] {
        rows.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }
}
