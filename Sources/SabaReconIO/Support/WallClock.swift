import Foundation

/// The injected clock: production reads the system time, tests and re-runs fix it.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

public struct FixedWallClock: WallClock {
    public var instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}

/// The system clock moved by a fixed amount: every process given the same offset agrees on
/// order and intervals, as on the real clock.
public struct OffsetWallClock: WallClock {
    public var offset: TimeInterval
    public init(offset: TimeInterval) { self.offset = offset }
    public func now() -> Date { Date().addingTimeInterval(offset) }
}
