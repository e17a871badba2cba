import Foundation

/// A half-open UTC time range `[start, end)`.
public struct TimeRange: Sendable, Equatable, Codable, CustomStringConvertible {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    public func contains(_ date: Date) -> Bool { date >= start && date < end }

    public var description: String { "\(UTCTime.iso(start))..\(UTCTime.iso(end))" }
}

/// One GetBetDetails query range. Saba's bounds are inclusive, so adjacent windows
/// share their boundary second; tickets seen twice are de-duplicated by `transId`.
public struct FetchWindow: Sendable, Equatable, Codable, CustomStringConvertible {
    public var index: Int
    public var start: Date
    public var end: Date
    /// Edge windows only fetch the clock-skew margin outside the requested range.
    public var isEdge: Bool

    public init(index: Int, start: Date, end: Date, isEdge: Bool = false) {
        self.index = index
        self.start = start
        self.end = end
        self.isEdge = isEdge
    }

    public var range: TimeRange { TimeRange(start: start, end: end) }
    public var description: String { "window \(UTCTime.iso(start))..\(UTCTime.iso(end))" }
}

public struct WindowPlan: Sendable, Equatable {
    /// The range whose tickets and ledger bets are judged.
    public var range: TimeRange
    /// Windows covering `range`, in order, each at most `maxWindow` long.
    public var windows: [FetchWindow]
    /// Small windows just outside `range` so that a ticket whose wallet clock is a few
    /// seconds across the edge still finds its partner.
    public var edgeWindows: [FetchWindow]
    /// True when the range start was moved up to the history limit.
    public var clamped: Bool
    /// The margin the edge windows were planned with (they may be shorter at the history limit).
    public var edgeMargin: TimeInterval

    public init(range: TimeRange, windows: [FetchWindow], edgeWindows: [FetchWindow], clamped: Bool, edgeMargin: TimeInterval = 0) {
        self.range = range
        self.windows = windows
        self.edgeWindows = edgeWindows
        self.clamped = clamped
        self.edgeMargin = edgeMargin
    }

    public var allWindows: [FetchWindow] { (edgeWindows.filter { $0.start < range.start } + windows + edgeWindows.filter { $0.start >= range.end }) }

    /// The judged window that a time belongs to (times outside go to the nearest one).
    public func window(for date: Date) -> FetchWindow? {
        guard let first = windows.first, let last = windows.last else { return nil }
        if date < first.start { return first }
        for w in windows where date >= w.start && date < w.end { return w }
        return last
    }
}

public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Splits a requested range into Saba-sized windows (pure).
public struct WindowPlanner: Sendable {
    public static let day: TimeInterval = 86_400
    public var maxWindow: TimeInterval
    public var maxHistory: TimeInterval
    public var edgeMargin: TimeInterval

    public init(maxWindow: TimeInterval = 30 * day, maxHistory: TimeInterval = 180 * day, edgeMargin: TimeInterval = 120) {
        self.maxWindow = maxWindow
        self.maxHistory = maxHistory
        self.edgeMargin = edgeMargin
    }

    /// `from`/`to` are UTC calendar days, both inclusive.
    public static func dayRange(from: String, to: String) throws(PlanError) -> TimeRange {
        guard from.count == 10, let start = UTCTime.parse(from) else { throw PlanError("--from '\(from)' is not a date (YYYY-MM-DD)") }
        guard to.count == 10, let last = UTCTime.parse(to) else { throw PlanError("--to '\(to)' is not a date (YYYY-MM-DD)") }
        guard last >= start else { throw PlanError("--to \(to) is before --from \(from)") }
        return TimeRange(start: start, end: last.addingTimeInterval(day))
    }

    /// `START..END` with ISO times (UTC unless a zone is given); END is exclusive.
    public static func windowRange(_ text: String) throws(PlanError) -> TimeRange {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let start = UTCTime.parse(parts[0]), let end = UTCTime.parse(parts[1]) else {
            throw PlanError("--window '\(text)' is not START..END (for example 2026-07-01T00:00:00..2026-07-02T12:00:00)")
        }
        guard end > start else { throw PlanError("--window '\(text)' ends before it starts") }
        return TimeRange(start: start, end: end)
    }

    public func plan(_ requested: TimeRange, now: Date, clamp: Bool) throws(PlanError) -> WindowPlan {
        guard requested.end > requested.start else { throw PlanError("the range \(requested) is empty") }
        let limit = now.addingTimeInterval(-maxHistory)
        var range = requested
        var clamped = false
        if range.start < limit {
            guard clamp else {
                throw PlanError("the range starts \(UTCTime.iso(range.start)), before Saba's \(Int(maxHistory / Self.day))-day history limit (\(UTCTime.iso(limit))); use --clamp to start at the limit")
            }
            range.start = Date(timeIntervalSince1970: ceil(limit.timeIntervalSince1970))
            clamped = true
            guard range.end > range.start else { throw PlanError("the whole range \(requested) is older than the history limit") }
        }
        guard range.start <= now else { throw PlanError("the range starts \(UTCTime.iso(range.start)), after now (\(UTCTime.iso(now)))") }
        var windows: [FetchWindow] = []
        var start = range.start
        while start < range.end {
            let end = min(start.addingTimeInterval(maxWindow), range.end)
            windows.append(FetchWindow(index: windows.count, start: start, end: end))
            start = end
        }
        var edges: [FetchWindow] = []
        if edgeMargin > 0 {
            let before = max(range.start.addingTimeInterval(-edgeMargin), Date(timeIntervalSince1970: ceil(limit.timeIntervalSince1970)))
            if before < range.start { edges.append(FetchWindow(index: -1, start: before, end: range.start, isEdge: true)) }
            edges.append(FetchWindow(index: windows.count, start: range.end, end: range.end.addingTimeInterval(edgeMargin), isEdge: true))
        }
        return WindowPlan(range: range, windows: windows, edgeWindows: edges, clamped: clamped, edgeMargin: edgeMargin)
    }

    /// Re-checks a plan read back from a file (`run.json` of a run being resumed) instead of
    /// trusting it: every window within Saba's 30 days; every window still to fetch, against
    /// the real clock, within the 180-day history; windows in order and inside the range and
    /// its edges.
    public func check(_ plan: WindowPlan, realNow: Date, fetched: (FetchWindow) -> Bool = { _ in false }) throws(PlanError) {
        let limit = realNow.addingTimeInterval(-maxHistory)
        guard plan.range.start < plan.range.end, plan.range.end.timeIntervalSince(plan.range.start) <= maxHistory + Self.day else {
            throw PlanError("the range \(plan.range) is not a range of at most \(Int(maxHistory / Self.day)) days")
        }
        var previousEnd: Date?
        for w in plan.allWindows {
            let length = w.end.timeIntervalSince(w.start)
            guard length > 0, length <= maxWindow else {
                throw PlanError("window \(UTCTime.iso(w.start))..\(UTCTime.iso(w.end)) is \(DurationText.format(length)) long; Saba allows at most \(Int(maxWindow / Self.day)) days")
            }
            guard fetched(w) || w.start >= limit.addingTimeInterval(-1) else {
                throw PlanError("window \(UTCTime.iso(w.start))..\(UTCTime.iso(w.end)) starts before Saba's \(Int(maxHistory / Self.day))-day history limit (\(UTCTime.iso(limit))) by the real clock")
            }
            guard w.start >= plan.range.start.addingTimeInterval(-plan.edgeMargin - 1), w.end <= plan.range.end.addingTimeInterval(plan.edgeMargin + 1) else {
                throw PlanError("window \(UTCTime.iso(w.start))..\(UTCTime.iso(w.end)) lies outside the range \(plan.range) and its edges")
            }
            if let previousEnd, w.start < previousEnd { throw PlanError("windows overlap or are out of order at \(UTCTime.iso(w.start))") }
            previousEnd = w.end
        }
    }

    /// `nightly`'s plan: whole UTC days, today included; the first is clamped to the 180-day limit.
    public func lastDays(_ days: Int, now: Date) throws -> WindowPlan {
        let range = try Self.dayRange(from: UTCTime.day(now.addingTimeInterval(-Double(days - 1) * 86_400)), to: UTCTime.day(now))
        return try plan(range, now: now, clamp: true)
    }
}
