import Foundation
import Synchronization

/// A flag one thread raises and others poll or sleep on (a stop request, a claim found lost).
/// A class, so a thread's closure can hold it: an `Atomic` itself cannot be captured.
final class SharedFlag: @unchecked Sendable {
    private let value = Atomic<Bool>(false)
    /// Wakes the threads in `nap` when the flag is raised.
    private let condition = NSCondition()

    init() {}

    var isRaised: Bool { value.load(ordering: .relaxed) }

    func raise() {
        condition.lock()
        value.store(true, ordering: .relaxed)
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps `seconds`, or less once the flag is raised (a poll's wait that a stop cuts short).
    func nap(_ seconds: TimeInterval) {
        let until = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !isRaised && condition.wait(until: until) {}
    }
}
