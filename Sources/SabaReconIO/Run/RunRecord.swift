import Foundation
import SabaReconCore

/// `run.json`: what a run was asked to do, written before its first call, so a killed run
/// can be resumed with the same windows and clock, and a finished one re-matched.
public struct RunRecord: Sendable, Codable {
    public var run_id: String
    public var range_start: Double
    public var range_end: Double
    public var clamped: Bool
    public var windows: [FetchWindow]
    public var edge_windows: [FetchWindow]
    public var now: Double
    public var finished: Bool
    /// Absent in run.json files written before it was recorded.
    public var edge_margin: Double?
    /// The settings the run judges with, fixed at its creation (absent in older files: a
    /// resume of one of those judges with the resuming process's settings).
    public var judging: RunJudging?

    public init(runId: String, plan: WindowPlan, now: Date, judging: RunJudging? = nil, finished: Bool = false) {
        run_id = runId
        range_start = plan.range.start.timeIntervalSince1970
        range_end = plan.range.end.timeIntervalSince1970
        clamped = plan.clamped
        windows = plan.windows
        edge_windows = plan.edgeWindows
        self.now = now.timeIntervalSince1970
        self.finished = finished
        edge_margin = plan.edgeMargin
        self.judging = judging
    }

    public var plan: WindowPlan {
        WindowPlan(range: TimeRange(start: Date(timeIntervalSince1970: range_start), end: Date(timeIntervalSince1970: range_end)),
                   windows: windows, edgeWindows: edge_windows, clamped: clamped,
                   // Older files: the window after the range is never shortened, so its length is the margin.
                   edgeMargin: edge_margin ?? edge_windows.last.map { $0.end.timeIntervalSince($0.start) } ?? 0)
    }

    public var nowDate: Date { Date(timeIntervalSince1970: now) }

    public func write(to folder: URL) throws {
        try ReportWriter(folder: folder).write(ReportRenderer.encode(self), as: "run.json")
    }

    public static func read(from folder: URL) throws -> RunRecord {
        let url = folder.appendingPathComponent("run.json")
        do {
            // A run.json is a few hundred bytes; 1 MB bounds a damaged or swapped one.
            return try JSONDecoder().decode(RunRecord.self, from: BoundedFile.read(url.path, maxBytes: 1 << 20))
        } catch {
            throw JobError("cannot read \(url.path): \(error)")
        }
    }
}
