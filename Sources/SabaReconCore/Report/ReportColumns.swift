import Foundation

/// Every report table's columns, in file order (SPEC §4): the one list that discrepancies.csv,
/// discrepancies.json, the workbook's sheets and the page's tables are written from.
public enum ReportColumns {
    public static let discrepancies: [ReportColumn<Discrepancy>] = [
        ReportColumn("run_id") { _, runId in .text(runId) },
        ReportColumn("window_start") { r, _ in .time(r.windowStart) },
        ReportColumn("window_end") { r, _ in .time(r.windowEnd) },
        ReportColumn("provider") { r, _ in .text(r.provider) },
        ReportColumn("kind") { r, _ in .text(r.kind.rawValue) },
        ReportColumn("trans_id") { r, _ in .text(r.transId) },
        ReportColumn("member_id") { r, _ in .text(r.memberId) },
        ReportColumn("currency") { r, _ in .text(r.currency) },
        ReportColumn("provider_status") { r, _ in .text(r.providerStatus) },
        ReportColumn("provider_stake") { r, _ in money(r.providerStake, r.currency) },
        ReportColumn("provider_net") { r, _ in money(r.providerNet, r.currency) },
        ReportColumn("ledger_net") { r, _ in money(r.ledgerNet, r.currency) },
        ReportColumn("difference") { r, _ in money(r.difference, r.currency) },
        ReportColumn("detail") { r, _ in .text(r.detail) },
    ]

    /// One row of daily.csv: an accounting day and currency with its control totals.
    public struct Day: Sendable {
        public var key: Reconciliation.DayCurrency
        public var totals: ControlTotals
    }

    public static let daily: [ReportColumn<Day>] = [
        ReportColumn("date") { d, _ in .day(d.key.day) },
        ReportColumn("currency") { d, _ in .text(d.key.currency) },
        ReportColumn("tickets") { d, _ in .integer(d.totals.tickets) },
        ReportColumn("provider_stake") { d, _ in .money(d.totals.providerStake, currency: d.key.currency) },
        ReportColumn("ledger_stake") { d, _ in .money(d.totals.ledgerStake, currency: d.key.currency) },
        ReportColumn("provider_net") { d, _ in .money(d.totals.providerNet, currency: d.key.currency) },
        ReportColumn("ledger_net") { d, _ in .money(d.totals.ledgerNet, currency: d.key.currency) },
        ReportColumn("net_difference") { d, _ in .money(d.totals.ledgerNet - d.totals.providerNet, currency: d.key.currency) },
    ]

    public static let pending: [ReportColumn<PendingItem>] = [
        ReportColumn("provider") { p, _ in .text(p.provider) },
        ReportColumn("trans_id") { p, _ in .text(p.transId) },
        ReportColumn("currency") { p, _ in .text(p.currency) },
        ReportColumn("since") { p, _ in .time(p.since) },
    ]

    /// summary.csv's columns. Its rows are sections of different shapes (counts per kind,
    /// pending, record counters, control totals: `ReportTables.summaryRows`), so this one is
    /// a list of names, each section filling the columns it has.
    public static let summary = [
        "section", "currency", "kind", "count", "total_difference",
        "provider_stake", "ledger_stake", "provider_net", "ledger_net", "net_difference",
    ]

    static func money(_ value: Money?, _ currency: String) -> ReportCell {
        value.map { .money($0, currency: currency) } ?? .empty
    }
}
