import Foundation
import Synchronization

/// Runs async work to completion from synchronous code (the job's pipeline is synchronous;
/// PostgresNIO is async). The calling thread waits; it must not be a cooperative-pool thread.
public enum Blocking {
    /// The operation did not finish in time; it goes on in the background, its result unused.
    public struct TimedOut: Error, Sendable, CustomStringConvertible {
        public var seconds: TimeInterval
        public var description: String { "no answer in \(Int(seconds)) s" }
    }

    static func run<T: Sendable>(timeout: TimeInterval? = nil, _ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>?>(nil)
        Task.detached {
            let r: Result<T, any Error>
            do { r = .success(try await operation()) } catch { r = .failure(error) }
            result.withLock { $0 = r }
            done.signal()
        }
        if let timeout {
            guard done.wait(timeout: .now() + timeout) == .success else { throw TimedOut(seconds: timeout) }
        } else {
            done.wait()
        }
        guard let r = result.withLock({ $0 }) else { throw CancellationError() }
        return try r.get()
    }
}

extension Blocking {
    /// The other direction: blocking work (libcurl, SQLite, a child process) awaited from async
    /// code on a thread of its own, so it never occupies a thread of Swift's cooperative pool.
    public static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// Hands a non-Sendable closure to `Blocking.run`. Safe only because the caller is blocked
/// for the whole time the closure may run, so it is never used from two threads at once.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
