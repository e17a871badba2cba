import Foundation
import SabaReconCore

/// Hands a fetch's calls to the threads that make them together: in plan order, except that
/// a window's settled call waits until its unsettled call has been answered in full and
/// handed to the writer (`FetchCall.follows`), so the two answers are taken in that order
/// however many calls are in flight, and the settled call is never committed first.
final class CallSchedule: @unchecked Sendable {
    private let condition = NSCondition()
    private let calls: [FetchCall]
    private var taken: [Bool]
    /// The unsettled calls of this fetch not answered yet.
    private var unanswered: Set<FetchCall>
    private var stopped = false

    init(_ calls: [FetchCall]) {
        self.calls = calls
        taken = Array(repeating: false, count: calls.count)
        unanswered = Set(calls.filter { !$0.kind.isSettled })
    }

    /// The first call in plan order that may go, leaving out those `skip` says are stopped;
    /// waits while the only ones left wait for an answer; nil when none is left, after
    /// `stop`, or once `cancelled`.
    func next(skipping skip: (FetchCall) -> Bool, cancelled: () -> Bool) -> FetchCall? {
        condition.lock()
        defer { condition.unlock() }
        while !stopped && !cancelled() {
            var waiting = false
            for i in calls.indices where !taken[i] && !skip(calls[i]) {
                if let first = calls[i].follows, unanswered.contains(first) {
                    waiting = true
                    continue
                }
                taken[i] = true
                return calls[i]
            }
            guard waiting else { return nil }
            // Woken by an answer, a failure or a stop; the timeout re-checks `cancelled`.
            _ = condition.wait(until: Date().addingTimeInterval(0.1))
        }
        return nil
    }

    /// `call` was answered in full and its last message queued: the call waiting for it may go.
    func answered(_ call: FetchCall) {
        condition.lock()
        unanswered.remove(call)
        condition.broadcast()
        condition.unlock()
    }

    /// Something changed for the waiting threads (a call failed): they look again.
    func wake() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// No more calls are handed out.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
