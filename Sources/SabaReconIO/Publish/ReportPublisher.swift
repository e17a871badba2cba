import Foundation
import SabaReconCore

/// report: the rows rendered by the pure renderers (CSV, JSON, the workbook's cells, the
/// page), each file written atomically into the run folder, the manifest last, then
/// `latest` moved, and only then `run.json` marked finished, so a run that fails at any
/// step before can still be resumed.
struct ReportPublisher {
    var folder: RunFolder
    var byteOrderMark: Bool
    /// discrepancies.xlsx and report.html (SPEC §8); both on unless a site turns them off.
    var workbook = true
    var html = true
    /// The break book's night, when the book is on (SPEC §9).
    var breaks: BreakNightStep?

    /// A completed run: reports, manifest, `latest`, then `run.json` finished. With
    /// `nothingJudged` (tickets or ledger entries were read but no group was judged) the
    /// reports are written as evidence and the manifest says so with exit status 2, but
    /// `latest` stays where it was: an empty judgement is never the night's answer.
    func publish(_ result: Reconciliation, exitStatus: Int32, manifest: inout Manifest, record: RunRecord, nothingJudged: String? = nil,
                 finishedAt: () -> Date) throws {
        manifest.discrepancies = result.rows.count
        manifest.discrepancies_by_kind = Dictionary(uniqueKeysWithValues: result.countsByKind.map { ($0.key.rawValue, $0.value) })
        manifest.pending = result.pending.count
        manifest.exit_status = exitStatus
        manifest.outcome = RunOutcome(rows: result.rows.count)
        manifest.money_at_stake = RunTrendPoint.moneyAtStake(result.rows).mapValues { Money.format($0) }
        if let nothingJudged {
            manifest.exit_status = 2
            manifest.outcome = .nothingJudged
            manifest.error = nothingJudged
        }
        let annotations = breaks?.annotations
        let renderer = ReportRenderer(runId: folder.runId, byteOrderMark: byteOrderMark, annotations: annotations)
        manifest.reports["discrepancies.csv"] = try folder.write(Data(renderer.discrepanciesCSV(result).utf8), as: "discrepancies.csv")
        manifest.reports["discrepancies.json"] = try folder.write(renderer.discrepanciesJSON(result), as: "discrepancies.json")
        manifest.reports["summary.csv"] = try folder.write(Data(renderer.summaryCSV(result).utf8), as: "summary.csv")
        manifest.reports["daily.csv"] = try folder.write(Data(renderer.dailyCSV(result).utf8), as: "daily.csv")
        if let breaks {
            manifest.reports["breaks.csv"] = try folder.write(Data(renderer.csv(breaks.report.table).utf8), as: "breaks.csv")
            manifest.breaks = breaks.counts
        }
        if workbook || html {
            let context = Self.context(manifest, record: record)
            let tables = ReportTables(runId: folder.runId, annotations: annotations)
            // The page is built and rendered on the other core while the workbook is (both
            // pure, and of about the same length); it is written after the workbook, as before.
            var page: BackgroundThread<String>?
            if html {
                let history = folder.history(limit: HTMLReport.trendRuns - 1)
                let (workbook, breakReport) = (workbook, breaks?.report)
                page = BackgroundThread {
                    try HTMLReportRenderer().render(HTMLReport(context: context, result: result, tables: tables, trend: history.points,
                                                               unreadableRuns: history.unreadable, workbook: workbook, breaks: breakReport))
                }
            }
            if workbook {
                do {
                    let book = WorkbookBuilder(context: context).build(
                        discrepancies: tables.discrepancies(result), summary: tables.summary(result), daily: tables.daily(result), pending: tables.pending(result),
                        breaks: breaks?.report.table)
                    manifest.reports["discrepancies.xlsx"] = try folder.write(WorkbookWriter.data(book, scratch: folder.url), as: "discrepancies.xlsx")
                } catch {
                    // The page's thread is joined before the failure goes up: nothing outlives the step.
                    _ = try? page?.wait()
                    throw error
                }
            }
            if let page {
                manifest.reports["report.html"] = try folder.write(Data(try page.wait().utf8), as: "report.html")
            }
        }
        manifest.finished_at = UTCTime.iso(finishedAt())
        try folder.write(ReportRenderer.encode(manifest), as: "manifest.json")
        if nothingJudged == nil {
            try folder.publish()
            // The book learns the night once the night's reports stand; a run killed before this
            // is resumed and applies it then, once (BreakBookStore.apply is keyed by run id).
            try breaks?.apply(at: finishedAt())
        }
        var done = record
        done.finished = true
        try folder.writeRecord(done)
    }

    /// The manifest's facts for the workbook's header block and the page.
    static func context(_ m: Manifest, record: RunRecord) -> ReportContext {
        ReportContext(
            runId: m.run_id, toolVersion: m.tool_version, now: record.nowDate,
            rangeStart: record.plan.range.start, rangeEnd: record.plan.range.end, outcome: m.outcome, exitStatus: m.exit_status,
            windows: m.windows.count, ticketsStaged: m.tickets_staged,
            inputs: m.inputs.map { ReportContext.Input(name: $0.name, description: $0.description, records: $0.records, sha256: $0.sha256) },
            basedOn: m.based_on, note: m.error)
    }
}
