import Foundation
import Synchronization

/// One gate for a provider's pushback, shared by every call in flight (SPEC §1.1): when
/// Saba answers 429, 503 or `E009` (its access limit) to one call, no call starts another
/// attempt before the wait that answer asked for (its `Retry-After`, or the backoff), so
/// calls made together slow down together instead of turning one refusal into a lockout.
///
/// After the wait, the refused call asks again alone, and the others start their attempts
/// once it is answered (several refused calls go one after another, oldest first). Calls
/// that all rushed back at once let one unlucky call be refused again and again while the
/// others got through: at 4 in flight and a refusal every third request, one call was
/// refused four times in a row, one short of failing the run (`max_attempts` 5).
public final class ProviderGate: Sendable {
    private struct State {
        var resumeAt = Date.distantPast
        /// Calls refused and not answered since, oldest first.
        var refused: [Int] = []
        var calls = 0
    }
    private let state = Mutex(State())
    /// How often a call waiting for a refused call's answer looks again.
    static let poll: TimeInterval = 0.02

    public init() {}

    /// A number for one call, for `waitTurn`, `pushBack` and `answered`.
    public func enter() -> Int {
        state.withLock { s in
            s.calls += 1
            return s.calls
        }
    }

    /// Holds every attempt until `date` (a later pushback moves it later, never earlier);
    /// `refused`, the call that was refused, goes first after it.
    public func pushBack(until date: Date, refused call: Int? = nil) {
        state.withLock { s in
            s.resumeAt = max(s.resumeAt, date)
            if let call, !s.refused.contains(call) { s.refused.append(call) }
        }
    }

    /// `call` was answered (or gave up): the calls waiting for it go on.
    public func answered(_ call: Int) {
        state.withLock { $0.refused.removeAll { $0 == call } }
    }

    /// When attempts may start again.
    public var openAt: Date { state.withLock { $0.resumeAt } }

    /// Waits until the gate is open (again if a later pushback came meanwhile), and then,
    /// unless `call` is the oldest refused one, until every refused call was answered;
    /// returns the seconds waited. A clock that does not move (tests) waits once per
    /// pushback. `stop` is asked between slices of at most `slice` seconds: a call whose run
    /// has already failed elsewhere stops waiting (it throws) instead of sitting out a long
    /// `Retry-After`.
    @discardableResult
    public func waitTurn(call: Int? = nil, clock: any WallClock, sleep: (TimeInterval) -> Void, slice: TimeInterval = 1,
                         stop: () throws -> Void = {}) rethrows -> TimeInterval {
        var waited = 0.0
        var until = openAt
        while true {
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
            guard let first = state.withLock({ $0.refused.first }), first != call else { return waited }
            try stop()
            sleep(Self.poll)
            waited += Self.poll
            until = max(until, openAt)
        }
    }
}
