import Foundation
import SabaReconCore

/// report: the rows rendered by the pure `ReportRenderer`, each file written atomically into
/// the run folder, the manifest last, then `latest` moved, and only then `run.json` marked
/// finished, so a run that fails at any step before can still be resumed.
struct ReportPublisher {
    var folder: RunFolder
    var byteOrderMark: Bool

    /// A completed run: reports, manifest, `latest`, then `run.json` finished. With
    /// `nothingJudged` (tickets or ledger entries were read but no group was judged) the
    /// reports are written as evidence and the manifest says so with exit status 2, but
    /// `latest` stays where it was: an empty judgement is never the night's answer.
    func publish(_ result: Reconciliation, manifest: inout Manifest, record: RunRecord, nothingJudged: String? = nil,
                 finishedAt: () -> Date) throws {
        let renderer = ReportRenderer(runId: folder.runId, byteOrderMark: byteOrderMark)
        manifest.reports["discrepancies.csv"] = try folder.write(Data(renderer.discrepanciesCSV(result).utf8), as: "discrepancies.csv")
        manifest.reports["discrepancies.json"] = try folder.write(renderer.discrepanciesJSON(result), as: "discrepancies.json")
        manifest.reports["summary.csv"] = try folder.write(Data(renderer.summaryCSV(result).utf8), as: "summary.csv")
        manifest.reports["daily.csv"] = try folder.write(Data(renderer.dailyCSV(result).utf8), as: "daily.csv")
        manifest.discrepancies = result.rows.count
        manifest.discrepancies_by_kind = Dictionary(uniqueKeysWithValues: result.countsByKind.map { ($0.key.rawValue, $0.value) })
        manifest.pending = result.pending.count
        manifest.exit_status = result.exitStatus
        manifest.outcome = result.rows.isEmpty ? "reconciled" : "discrepancies"
        if let nothingJudged {
            manifest.exit_status = 2
            manifest.outcome = "nothing_judged"
            manifest.error = nothingJudged
        }
        manifest.finished_at = UTCTime.iso(finishedAt())
        try folder.write(ReportRenderer.encode(manifest), as: "manifest.json")
        if nothingJudged == nil { try folder.publish() }
        var done = record
        done.finished = true
        try folder.writeRecord(done)
    }
}
