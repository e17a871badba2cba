import Foundation
import Testing
import TestSupport
@testable import SabaReconCore

/// The page's "what changed since the last night" and the workbook's Breaks sheet (SPEC §9),
/// from three nights of the pure book.
@Suite struct HTMLReportBreaksTests {
    typealias B = BreakBookTests

    /// Night 3 of a book: "old" open since night 1 (12 days), "mid" acknowledged, "young" new,
    /// "gone" resolved, "moved" (night 2) changed.
    static func thirdNight() throws -> (rows: [Discrepancy], night: BreakBook.Night) {
        var book = BreakBook().night([B.row("old"), B.row("gone")], coverage: B.everything, now: B.day(0), runId: "R1").book
        book = book.night([B.row("old"), B.row("gone"), B.row("moved"), B.row("mid", ledger: "15.00")], coverage: B.everything, now: B.day(10), runId: "R2").book
        _ = try book.acknowledge(BreakKey(B.row("mid")).breakId, by: "ana", reason: "known", until: nil, at: B.day(10))
        let rows = [B.row("old"), B.row("mid", ledger: "15.00"), B.row("young"), B.row("moved", ledger: "11.00")]
        return (rows, book.night(rows, coverage: B.everything, now: B.day(12), runId: "R3"))
    }

    static func page() throws -> HTMLReport {
        let (rows, night) = try thirdNight()
        var result = Reconciliation()
        result.add(rows: rows)
        let report = BreakReport(book: night.book, resolved: night.resolved, today: BreakBook.day(B.day(12)))
        return HTMLReport(context: ReportSample.context(), result: result, tables: ReportTables(runId: "RUN-1", annotations: night.annotations),
                          trend: [], breaks: report)
    }

    @Test func theSectionCountsWhatChangedAndNamesTheOldestWaitingBreak() throws {
        let section = try #require(try Self.page().breaks)
        #expect(section.counts.map { "\($0.status) \($0.count)" } == ["new 1", "open 1", "changed 1", "reopened 0", "acknowledged 1", "resolved 1"])
        #expect(section.changes.rows.map { $0.cells[1].text + " " + $0.cells[4].text } == ["new young", "changed moved"])
        #expect(section.changes.columns == ["break_id", "break_status", "kind", "provider", "trans_id", "currency", "difference", "first_seen", "detail"])
        #expect(section.resolved.rows.map { $0.cells[3].text } == ["gone"])
        let oldest = try #require(section.oldest)
        #expect(oldest.hasPrefix(BreakKey(B.row("old")).breakId) && oldest.hasSuffix("first seen 2026-07-20, 12 days"), "\(oldest)")
        #expect(section.agingBars.map { "\($0.bucket) \($0.open) \($0.acknowledged)" } == ["0-1d 1 0", "2-7d 1 1", "8-30d 1 0", "31-90d 0 0", ">90d 0 0"])
        #expect(section.agingBars.map { $0.openWidth + $0.ackWidth }.max() == 360)
    }

    @Test func theSectionLeadsThePageAndIsAbsentWithoutTheBook() throws {
        let html = try HTMLReportRenderer().render(Self.page())
        let section = try #require(html.range(of: "<section id=\"breaks\">"))
        let firstTable = try #require(html.range(of: "<h2>Money at stake per currency</h2>"))
        #expect(section.lowerBound < firstTable.lowerBound)
        #expect(html.contains("data-status=\"new\"><span>new</span><b>1</b>"))
        #expect(html.contains("data-bucket=\"8-30d\" data-open=\"1\" data-acknowledged=\"0\""))
        let plain = try HTMLReportRenderer().render(HTMLReport(context: ReportSample.context(), result: Reconciliation(), tables: ReportTables(runId: "RUN-1"), trend: []))
        #expect(!plain.contains("id=\"breaks\""))
    }

    @Test func everyBreakAcknowledgedSaysNoneWaits() throws {
        var book = BreakBook().night([B.row("1")], coverage: B.everything, now: B.day(0), runId: "R1").book
        _ = try book.acknowledge(BreakKey(B.row("1")).breakId, by: "ana", reason: "known", until: nil, at: B.day(0))
        let report = BreakReport(book: book, resolved: [], today: BreakBook.day(B.day(3)))
        #expect(report.oldestOpen == nil && report.oldestOpenAgeDays == nil)
    }

    @Test func theWorkbookGetsABreaksSheetAfterTheOthers() throws {
        let (rows, night) = try Self.thirdNight()
        var result = Reconciliation()
        result.add(rows: rows)
        let tables = ReportTables(runId: "RUN-1", annotations: night.annotations)
        let report = BreakReport(book: night.book, resolved: night.resolved, today: BreakBook.day(B.day(12)))
        let book = WorkbookBuilder(context: ReportSample.context()).build(
            discrepancies: tables.discrepancies(result), summary: tables.summary(result), daily: tables.daily(result), pending: tables.pending(result),
            breaks: report.table)
        #expect(book.sheets.map(\.name) == ["Discrepancies", "Summary", "Daily", "Pending", "Breaks"])
        #expect(book.sheets[0].columns.suffix(5).map(\.title) == ["break_id", "break_status", "first_seen", "age_days", "note"])
        let breaks = book.sheets[4]
        #expect(breaks.columns.map(\.title).contains("resolved_at (UTC)"))
        #expect(breaks.rows.first?.first == .text("resolved"))
        #expect(breaks.rows.filter { $0.first == .text("aging") }.count == 3)
    }
}
