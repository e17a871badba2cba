import Foundation

/// Where a run's fetch stands, for a progress line. Sent after each window call and every
/// few thousand tickets inside one.
public struct JobProgress: Sendable, Equatable {
    /// Window calls (two per window) done, including ones a resumed run took over, and of
    /// those the calls this invocation fetched (the pace for the ETA).
    public var callsDone: Int
    public var callsFetched: Int
    public var callsTotal: Int
    /// The window being fetched, 1-based, and how many windows there are.
    public var window: Int
    public var windows: Int
    /// Tickets fetched by this invocation so far.
    public var tickets: Int
    /// Seconds spent fetching so far; bytes and seconds of the calls that finished (for the rate).
    public var elapsed: Double
    public var bytesDone: Int
    public var secondsDone: Double

    public init(callsDone: Int, callsFetched: Int, callsTotal: Int, window: Int, windows: Int, tickets: Int,
                elapsed: Double, bytesDone: Int, secondsDone: Double) {
        self.callsDone = callsDone
        self.callsFetched = callsFetched
        self.callsTotal = callsTotal
        self.window = window
        self.windows = windows
        self.tickets = tickets
        self.elapsed = elapsed
        self.bytesDone = bytesDone
        self.secondsDone = secondsDone
    }

    /// MB/s over the calls that finished, nil before the first.
    public var megabytesPerSecond: Double? {
        secondsDone > 0 ? Double(bytesDone) / 1_000_000 / secondsDone : nil
    }

    /// Seconds left at the pace so far (calls differ in size, so this is rough), nil before the first call ends.
    public var secondsLeft: Double? {
        guard callsFetched > 0, secondsDone > 0, callsTotal >= callsDone else { return nil }
        return elapsed / Double(callsFetched) * Double(callsTotal - callsDone)
    }
}
