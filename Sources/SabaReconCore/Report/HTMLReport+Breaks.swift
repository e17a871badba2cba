import Foundation

/// The page's opening section with the break book (SPEC §9): what changed since the last
/// night (new, changed, reopened and resolved breaks, the oldest one still waiting) and the
/// aging of the open breaks as a chart, so the morning starts with what is new.
extension HTMLReport {
    /// The page lists this many changed and resolved breaks; breaks.csv and the CSV have all.
    public static let breakRowLimit = 500

    public struct StatusCount: Sendable, Equatable {
        public var status: String
        public var count: Int
    }

    /// One bucket of the aging chart: the waiting breaks, then the acknowledged ones beside them.
    public struct AgingBar: Sendable, Equatable {
        public var bucket: String
        public var open: Int
        public var acknowledged: Int
        public var y: Int
        public var textY: Int
        public var openWidth: Int
        public var ackX: Int
        public var ackWidth: Int
        public var valueX: Int
    }

    public struct BreakSection: Sendable, Equatable {
        /// Breaks of this run per status, `resolved` last.
        public var counts: [StatusCount]
        /// "B…: saba/missing_in_ledger/123 (THB), first seen 2026-11-02, 34 days"; nil: none waits.
        public var oldest: String?
        /// Rows whose break is new, changed or reopened.
        public var changes: Table
        public var changesNote: String?
        public var resolved: Table
        public var resolvedNote: String?
        public var agingBars: [AgingBar]
        public var agingHeight: Int
        public var agingEmpty: Bool
        public var aging: Table
    }

    /// The section from the discrepancy table (its break columns) and the night's report.
    static func breakSection(_ rows: ReportTable, report: BreakReport, decimals: [String: Int]) -> BreakSection {
        func column(_ name: String) -> Int? { rows.columns.firstIndex(of: name) }
        let shown = ["break_id", "break_status", "kind", "provider", "trans_id", "currency", "difference", "first_seen", "detail"]
        let picks = shown.compactMap(column)
        var counts: [String: Set<String>] = [:]
        var changed: [[ReportCell]] = []
        if let status = column("break_status"), let id = column("break_id") {
            for row in rows.rows {
                guard case .text(let s) = row[status], case .text(let breakId) = row[id] else { continue }
                counts[s, default: []].insert(breakId)
                if BreakStatus(rawValue: s)?.isUnseen == true { changed.append(row) }
            }
        }
        let statusCounts = BreakStatus.allCases.map { StatusCount(status: $0.rawValue, count: counts[$0.rawValue]?.count ?? 0) }
            + [StatusCount(status: "resolved", count: report.resolved.count)]
        let changedShown = changed.prefix(breakRowLimit)
        let changes = Table(columns: picks.map { rows.columns[$0] },
                            rows: changedShown.map { row in Row(cells: picks.map { cell(row[$0], decimals: decimals) }) })
        let resolvedShown = report.resolved.prefix(breakRowLimit)
        let resolved = Table(columns: ["break_id", "kind", "provider", "trans_id", "currency", "first_seen", "resolved_at", "last_difference"],
                             rows: resolvedShown.map { r in
                                 Row(cells: [ReportCell.text(r.breakId), .text(r.key.kind.rawValue), .text(r.key.provider), .text(r.key.transId),
                                             .text(r.currency), .day(r.firstSeen), r.resolvedAt.map { .time($0) } ?? .empty,
                                             r.lastDifference.map { .money($0, currency: r.currency) } ?? .empty].map { cell($0, decimals: decimals) })
                             })
        let oldest = report.oldestOpen.map { r in
            "\(r.breakId): \(r.key) (\(r.currency.isEmpty ? "no currency" : r.currency)), first seen \(MatchPolicy.dayText(r.firstSeen)), \(max(0, report.today - r.firstSeen)) days"
        }
        // Counts per bucket over every currency; the table below has the amounts per currency.
        var perBucket = BreakAging.buckets.map { ($0.name, 0, 0) }
        for row in report.aging {
            guard let b = perBucket.firstIndex(where: { $0.0 == row.bucket }) else { continue }
            perBucket[b].1 += row.open
            perBucket[b].2 += row.acknowledged
        }
        let peak = max(1, perBucket.map { $0.1 + $0.2 }.max() ?? 1)
        func width(_ n: Int) -> Int { n > 0 ? max(2, Int(Int128(n) * 360 / Int128(peak))) : 0 }
        let bars = perBucket.enumerated().map { i, b in
            let open = width(b.1), ack = width(b.2)
            return AgingBar(bucket: b.0, open: b.1, acknowledged: b.2, y: i * 24, textY: i * 24 + 15, openWidth: open,
                            ackX: 80 + open, ackWidth: ack, valueX: 80 + open + ack + 6)
        }
        let aging = Table(columns: ["currency", "bucket", "open", "open amount", "acknowledged", "acknowledged amount"], rows: report.aging.map { a in
            Row(cells: [Cell(text: a.currency.isEmpty ? "(none)" : a.currency, numeric: false), Cell(text: a.bucket, numeric: false),
                        Cell(text: String(a.open), numeric: true), cell(.money(a.openAmount, currency: a.currency), decimals: decimals),
                        Cell(text: String(a.acknowledged), numeric: true), cell(.money(a.acknowledgedAmount, currency: a.currency), decimals: decimals)])
        })
        return BreakSection(
            counts: statusCounts, oldest: oldest, changes: changes,
            changesNote: changed.count > changedShown.count ? "The first \(changedShown.count) of \(changed.count); all are in discrepancies.csv (break_status)." : nil,
            resolved: resolved,
            resolvedNote: report.resolved.count > resolvedShown.count ? "The first \(resolvedShown.count) of \(report.resolved.count); all are in breaks.csv." : nil,
            agingBars: bars, agingHeight: bars.count * 24, agingEmpty: report.aging.isEmpty, aging: aging)
    }
}
