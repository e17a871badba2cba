import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// Which tickets a run covers, and the clock it measures from.
struct RangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("First UTC day of the range, inclusive (YYYY-MM-DD).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("Last UTC day of the range, inclusive (YYYY-MM-DD).", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("A range with times instead of --from/--to: START..END, UTC unless a zone is given; END exclusive. Example: 2026-07-01T00:00:00..2026-07-02T06:00:00", valueName: "start..end"))
    var window: String?

    @Flag(help: "Start a range older than Saba's 180-day history at the limit instead of refusing it.")
    var clamp = false

    @Option(help: ArgumentHelp("Fix the run's clock (ISO 8601, UTC unless a zone is given) for re-runs and tests; default: the system clock.", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("Fetch this much outside the range's edges so a ticket whose wallet clock is a few seconds across an edge still finds its partner (90, 90s, 2m).", valueName: "duration"))
    var edgeMargin: String?

    func resolvedNow() throws -> Date {
        guard let now else { return ProcessClock.current.now() }
        guard let date = UTCTime.parse(now) else { throw ParsingFailure("--now '\(now)' is not an ISO 8601 time") }
        return date
    }

    func requestedRange() throws -> TimeRange {
        switch (from, to, window) {
        case let (f?, t?, nil): return try WindowPlanner.dayRange(from: f, to: t)
        case let (nil, nil, w?): return try WindowPlanner.windowRange(w)
        case (nil, nil, nil): throw ParsingFailure("give --from and --to (UTC days), or --window START..END")
        case (_, _, .some): throw ParsingFailure("--window cannot be combined with --from/--to")
        default: throw ParsingFailure("--from and --to go together")
        }
    }

    /// The planner with this run's edge margin (the planner's own default when not given).
    func planner() throws -> WindowPlanner {
        guard let edgeMargin else { return WindowPlanner() }
        guard let m = DurationText.parse(edgeMargin) else { throw ParsingFailure("--edge-margin '\(edgeMargin)' is not a duration (90, 90s, 2m)") }
        return WindowPlanner(edgeMargin: m)
    }

    func plan(now: Date) throws -> WindowPlan {
        try planner().plan(requestedRange(), now: now, clamp: clamp)
    }

    /// A fresh run of this range, judged at --now (or the clock, read once).
    func fresh() throws -> JobStart {
        let now = try resolvedNow()
        return .fresh(try plan(now: now), now: now)
    }
}

/// `saba-recon plan`: the windows a run would fetch, without fetching.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the GetBetDetails windows a run over this range would fetch."
    )

    @OptionGroup var range: RangeOptions

    func run() throws {
        let plan = try range.plan(now: range.resolvedNow())
        print("range \(UTCTime.iso(plan.range.start))..\(UTCTime.iso(plan.range.end))\(plan.clamped ? " (clamped to the 180-day limit)" : "")")
        for w in plan.allWindows {
            let days = w.end.timeIntervalSince(w.start) / 86_400
            print("\(w.isEdge ? "edge  " : "window") \(UTCTime.iso(w.start))..\(UTCTime.iso(w.end))  \(String(format: "%6.2f", days)) days  x2 (isSettled=false, true)")
        }
    }
}
