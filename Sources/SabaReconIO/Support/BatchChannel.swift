import Foundation

/// A bounded hand-over from an async producer (PostgresNIO's row stream) to a synchronous
/// consumer thread (the job, which owns the SQLite run store). The producer suspends, never
/// blocks, when the consumer falls behind, so rows keep their back-pressure.
final class BatchChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[Element]] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var waitingProducer: CheckedContinuation<Void, Never>?
    let capacity: Int

    init(capacity: Int = 4) {
        self.capacity = capacity
    }

    private enum Offer { case sent, cancelled, full }

    private func offer(_ batch: [Element]) -> Offer {
        condition.lock()
        defer { condition.unlock() }
        if cancelled { return .cancelled }
        guard batches.count < capacity else { return .full }
        batches.append(batch)
        condition.signal()
        return .sent
    }

    /// Parks the producer until the consumer takes a batch; checked under the lock, so no wake-up is lost.
    private func park(_ continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        if cancelled || batches.count < capacity {
            condition.unlock()
            continuation.resume()
            return
        }
        waitingProducer = continuation
        condition.unlock()
    }

    /// Producer: hands over a batch; returns false once the consumer has gone away.
    func send(_ batch: [Element]) async -> Bool {
        while true {
            switch offer(batch) {
            case .sent: return true
            case .cancelled: return false
            case .full: await withCheckedContinuation { park($0) }
            }
        }
    }

    /// Producer: no more batches (with the error that ended the stream, if any).
    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.signal()
        condition.unlock()
    }

    /// Consumer: the next batch, nil at the end; rethrows the producer's error.
    func receive() throws -> [Element]? {
        condition.lock()
        while batches.isEmpty && !finished { condition.wait() }
        if batches.isEmpty {
            let error = failure
            condition.unlock()
            if let error { throw error }
            return nil
        }
        let batch = batches.removeFirst()
        let producer = waitingProducer
        waitingProducer = nil
        condition.unlock()
        producer?.resume()
        return batch
    }

    /// Consumer: stop early (its own error); the producer's next `send` returns false.
    func cancel() {
        condition.lock()
        cancelled = true
        batches.removeAll()
        let producer = waitingProducer
        waitingProducer = nil
        condition.unlock()
        producer?.resume()
    }

    /// Consumer: waits until the producer has finished (after `cancel`).
    func awaitFinish() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
