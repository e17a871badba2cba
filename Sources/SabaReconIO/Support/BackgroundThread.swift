import Foundation
import Synchronization

/// Blocking work on a thread of its own (SQLite, so not Swift's cooperative pool), whose
/// result the starting thread collects with `wait()`. The job's two parallel stages (the
/// ledger beside the fetch, the upper half of the match) use it.
final class BackgroundThread<Value: Sendable>: Sendable {
    private let outcome = Mutex<Result<Value, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let result = Result { try work() }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The work's error if it has already failed; nil while it runs or once it succeeded.
    var failure: (any Error)? {
        if case .failure(let error)? = outcome.withLock({ $0 }) { return error }
        return nil
    }

    /// Whether the thread ended within `seconds` (its result is then `wait()`'s).
    func ended(within seconds: TimeInterval) -> Bool {
        guard finished.wait(timeout: .now() + seconds) == .success else { return false }
        finished.signal()
        return true
    }

    /// Joins the thread: its value, or the error it threw. Waiting twice is harmless.
    func wait() throws -> Value {
        finished.wait()
        finished.signal()
        guard let result = outcome.withLock({ $0 }) else { throw CancellationError() }
        return try result.get()
    }
}
