import Foundation
import SabaReconCore

/// One run's night in the break book (SPEC §9): the statuses its reports carry, computed
/// from the book as it was, and applied to the book only when the reports are published.
/// A resumed run whose night was already applied takes its statuses back from the book.
struct BreakNightStep {
    let store: any BreakBookStorage
    let runId: String
    /// Nil when this run's night was applied before (a resume after the update).
    let night: BreakBook.Night?
    let annotations: [BreakBook.Annotation]
    let report: BreakReport

    static func prepare(store: any BreakBookStorage, rows: [Discrepancy], runId: String, now: Date, coverage: BreakBook.Coverage) throws -> BreakNightStep {
        let book = try store.load()
        let today = BreakBook.day(now)
        if let applied = try store.appliedNight(runId) {
            // The night stands as it was applied: rows matched again on resume take their
            // break's statuses from it (a break not in it, from a ledger changed since, is new).
            let byId = Dictionary(applied.map { ($0.breakId, $0) }) { a, _ in a }
            let annotations = rows.map { row in
                byId[BreakKey(row).breakId] ?? BreakBook.Annotation(breakId: BreakKey(row).breakId, status: .new, firstSeen: today, ageDays: 0, note: "")
            }
            let resolved = book.breaks.values.filter { $0.resolvedBy == runId }
            return BreakNightStep(store: store, runId: runId, night: nil, annotations: annotations,
                                  report: BreakReport(book: book, resolved: Array(resolved), today: today))
        }
        let night = book.night(rows, coverage: coverage, now: now, runId: runId)
        return BreakNightStep(store: store, runId: runId, night: night, annotations: night.annotations,
                              report: BreakReport(book: night.book, resolved: night.resolved, today: today))
    }

    func apply(at: Date) throws {
        guard let night else { return }
        try store.apply(night, runId: runId, at: at)
    }

    /// For the manifest: rows per status, and how many breaks this night resolved.
    var counts: [String: Int] {
        var out = Dictionary(grouping: annotations, by: \.status.rawValue).mapValues(\.count)
        out["resolved"] = report.resolved.count
        return out
    }
}
