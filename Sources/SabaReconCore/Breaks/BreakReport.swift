import Foundation

/// What a night did to the break book, for breaks.csv, the page, the workbook's Breaks
/// sheet and the metrics (SPEC §9): the breaks this run resolved, the aging of every open
/// break per currency and bucket (acknowledged ones apart), and the oldest break still
/// waiting for someone. Pure.
public struct BreakReport: Sendable, Equatable {
    public var resolved: [BreakRecord]
    public var aging: [BreakAging.Row]
    /// The unresolved, unacknowledged break first seen longest ago: what an aging alert is
    /// about (an acknowledged break has its person and reason).
    public var oldestOpen: BreakRecord?
    /// The run's UTC day, that ages are counted to.
    public var today: Int

    public init(resolved: [BreakRecord], aging: [BreakAging.Row], oldestOpen: BreakRecord? = nil, today: Int = 0) {
        self.resolved = resolved
        self.aging = aging
        self.oldestOpen = oldestOpen
        self.today = today
    }

    /// The report of `book` as it stands after a night, judged on UTC day `today`.
    public init(book: BreakBook, resolved: [BreakRecord], today: Int) {
        let waiting = book.breaks.values.filter { !$0.isResolved && $0.acknowledgement == nil }
        self.init(resolved: resolved.sorted { $0.breakId < $1.breakId }, aging: BreakAging.rows(book, today: today),
                  oldestOpen: waiting.min { ($0.firstSeen, $0.breakId) < ($1.firstSeen, $1.breakId) }, today: today)
    }

    /// Days since the oldest waiting break was first seen; nil when none waits.
    public var oldestOpenAgeDays: Int? { oldestOpen.map { max(0, today - $0.firstSeen) } }

    public var table: ReportTable {
        var rows: [[ReportCell]] = []
        for r in resolved.sorted(by: { ($0.key.provider, $0.key.kind.rawValue, $0.key.transId) < ($1.key.provider, $1.key.kind.rawValue, $1.key.transId) }) {
            rows.append([.text("resolved"), .text(r.breakId), .text(r.key.provider), .text(r.key.kind.rawValue), .text(r.key.transId), .text(r.currency),
                         .day(r.firstSeen), r.resolvedAt.map { .time($0) } ?? .empty, r.lastDifference.map { .money($0, currency: r.currency) } ?? .empty,
                         .empty, .empty, .empty, .empty, .empty])
        }
        for a in aging {
            rows.append([.text("aging"), .empty, .empty, .empty, .empty, .text(a.currency), .empty, .empty, .empty, .text(a.bucket),
                         .integer(a.open), .money(a.openAmount, currency: a.currency), .integer(a.acknowledged), .money(a.acknowledgedAmount, currency: a.currency)])
        }
        return ReportTable(name: "Breaks", columns: ReportColumns.breaksReport, rows: rows)
    }
}
