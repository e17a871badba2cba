import Foundation

/// breaks.csv (SPEC §9): the breaks this run resolved, then the aging of every open break
/// per currency and bucket, acknowledged ones apart. Pure.
public struct BreakReport: Sendable {
    public var resolved: [BreakRecord]
    public var aging: [BreakAging.Row]

    public init(resolved: [BreakRecord], aging: [BreakAging.Row]) {
        self.resolved = resolved
        self.aging = aging
    }

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
