import Foundation
import Synchronization

/// One gate for a provider's pushback, shared by every call in flight (SPEC §1.1): when
/// Saba answers 429, 503 or `E009` (its access limit) to one call, no call starts another
/// attempt before the wait that answer asked for (its `Retry-After`, or the backoff), so
/// calls made together slow down together instead of turning one refusal into a lockout.
public final class ProviderGate: Sendable {
    private let resumeAt = Mutex<Date>(.distantPast)

    public init() {}

    /// Holds every attempt until `date` (a later pushback moves it later, never earlier).
    public func pushBack(until date: Date) {
        resumeAt.withLock { $0 = max($0, date) }
    }

    /// When attempts may start again.
    public var openAt: Date { resumeAt.withLock { $0 } }

    /// Waits until the gate is open (again if a later pushback came meanwhile); returns the
    /// seconds waited. A clock that does not move (tests) waits once per pushback. `stop` is
    /// asked between slices of at most `slice` seconds: a call whose run has already failed
    /// elsewhere stops waiting (it throws) instead of sitting out a long `Retry-After`.
    @discardableResult
    public func waitTurn(clock: any WallClock, sleep: (TimeInterval) -> Void, slice: TimeInterval = 1, stop: () throws -> Void = {}) rethrows -> TimeInterval {
        var waited = 0.0
        var until = openAt
        while case let wait = until.timeIntervalSince(clock.now()), wait > 0 {
            var left = wait
            while left > 0 {
                try stop()
                let step = min(left, slice)
                sleep(step)
                left -= step
            }
            waited += wait
            let later = openAt
            guard later > until else { break }
            until = later
        }
        return waited
    }
}
