import Foundation
import Testing
@testable import SabaReconCore

@Suite struct WindowPlannerTests {
    let now = UTCTime.parse("2026-07-20T10:00:00Z")!
    let planner = WindowPlanner(edgeMargin: 0)

    func day(_ s: String) -> Date { UTCTime.parse(s)! }

    @Test func thirtyDaysIsOneWindowAndToIsInclusive() throws {
        let plan = try planner.plan(WindowPlanner.dayRange(from: "2026-06-01", to: "2026-06-30"), now: now, clamp: false)
        #expect(plan.windows.map(\.range) == [TimeRange(start: day("2026-06-01"), end: day("2026-07-01"))])
    }

    @Test func thirtyOneDaysSplitsIntoThirtyPlusOne() throws {
        let plan = try planner.plan(WindowPlanner.dayRange(from: "2026-06-01", to: "2026-07-01"), now: now, clamp: false)
        #expect(plan.windows.map(\.range) == [
            TimeRange(start: day("2026-06-01"), end: day("2026-07-01")),
            TimeRange(start: day("2026-07-01"), end: day("2026-07-02")),
        ])
    }

    @Test func everyWindowIsAtMostThirtyDaysAndTheyTileTheRange() throws {
        let range = try WindowPlanner.dayRange(from: "2026-01-22", to: "2026-07-19")
        let plan = try planner.plan(range, now: now, clamp: false)
        #expect(plan.windows.count == 6)
        #expect(plan.windows.first?.start == range.start)
        #expect(plan.windows.last?.end == range.end)
        for (a, b) in zip(plan.windows, plan.windows.dropFirst()) { #expect(a.end == b.start) }
        for w in plan.windows { #expect(w.end.timeIntervalSince(w.start) <= 30 * 86_400) }
    }

    @Test func refusesARangeOlderThan180DaysUnlessClamped() throws {
        let range = try WindowPlanner.dayRange(from: "2026-01-01", to: "2026-01-31")
        #expect(throws: PlanError.self) { try planner.plan(range, now: now, clamp: false) }
        let clamped = try planner.plan(range, now: now, clamp: true)
        #expect(clamped.clamped)
        #expect(clamped.range.start == now.addingTimeInterval(-180 * 86_400))
    }

    @Test func exactly180DaysBackIsAllowed() throws {
        let range = TimeRange(start: now.addingTimeInterval(-180 * 86_400), end: now)
        let plan = try planner.plan(range, now: now, clamp: false)
        #expect(plan.windows.count == 6)
        #expect(!plan.clamped)
    }

    @Test func edgeWindowsCoverTheMarginOutsideTheRange() throws {
        let range = try WindowPlanner.dayRange(from: "2026-07-01", to: "2026-07-02")
        let plan = try WindowPlanner(edgeMargin: 120).plan(range, now: now, clamp: false)
        #expect(plan.allWindows.map(\.range) == [
            TimeRange(start: day("2026-06-30T23:58:00Z"), end: day("2026-07-01")),
            TimeRange(start: day("2026-07-01"), end: day("2026-07-03")),
            TimeRange(start: day("2026-07-03"), end: day("2026-07-03T00:02:00Z")),
        ])
        #expect(plan.windows.count == 1)
    }

    @Test func parsesRangeArguments() throws {
        #expect(throws: PlanError.self) { try WindowPlanner.dayRange(from: "2026-07-02", to: "2026-07-01") }
        #expect(throws: PlanError.self) { try WindowPlanner.dayRange(from: "07/01/2026", to: "2026-07-01") }
        let w = try WindowPlanner.windowRange("2026-07-01T06:00:00..2026-07-01T18:00:00")
        #expect(w == TimeRange(start: day("2026-07-01T06:00:00Z"), end: day("2026-07-01T18:00:00Z")))
        #expect(throws: PlanError.self) { try WindowPlanner.windowRange("2026-07-01") }
    }

    @Test func windowForATimeClampsToTheNearestWindow() throws {
        let plan = try planner.plan(WindowPlanner.dayRange(from: "2026-05-01", to: "2026-06-30"), now: now, clamp: false)
        #expect(plan.window(for: day("2026-04-30T23:59:59Z"))?.index == 0)
        #expect(plan.window(for: day("2026-05-31"))?.index == 1)
        #expect(plan.window(for: day("2026-07-01T00:00:01Z"))?.index == plan.windows.count - 1)
    }
}
