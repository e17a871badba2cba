import Foundation

/// The five columns the break book adds after `detail` (SPEC §4, §9). The fourteen before
/// them keep their names and places, so an import written for them keeps working.
extension ReportColumns {
    public static let breaks: [ReportColumn<BreakBook.Annotation>] = [
        ReportColumn("break_id") { a, _ in .text(a.breakId) },
        ReportColumn("break_status") { a, _ in .text(a.status.rawValue) },
        ReportColumn("first_seen") { a, _ in .day(a.firstSeen) },
        ReportColumn("age_days") { a, _ in .integer(a.ageDays) },
        ReportColumn("note") { a, _ in .text(a.note) },
    ]

    /// breaks.csv: the breaks this run resolved, then the aging of the open ones.
    public static let breaksReport = [
        "section", "break_id", "provider", "kind", "trans_id", "currency", "first_seen", "resolved_at", "last_difference",
        "bucket", "open_count", "open_amount", "acknowledged_count", "acknowledged_amount",
    ]
}
