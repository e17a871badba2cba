import Foundation

/// A bounded hand-over from several producer threads (the calls in flight, each decoding
/// its own body) to one consumer thread (the job, which owns the SQLite run store). A
/// producer blocks while the queue is full, so memory stays bounded by `capacity`
/// messages whatever the provider's speed; after `cancel` every `put` returns false at once.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Taken slots are emptied at once: a message (a batch of tickets) must not live on in
    /// the array until the next compaction.
    private var items: [Element?] = []
    private var head = 0
    private var producers: Int
    private var cancelled = false
    let capacity: Int

    init(capacity: Int, producers: Int) {
        self.capacity = max(1, capacity)
        self.producers = producers
    }

    /// Producer: hands over one message; false once the consumer has cancelled.
    @discardableResult
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Producer: this producer sends nothing more.
    func finish() {
        condition.lock()
        producers -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next message; nil once every producer has finished and all was taken.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head && producers > 0 { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// Blocked and later `put`s return false. `keepingQueued`: what was handed over is still
    /// taken (a producer's failure: the finished work queued before it is kept); otherwise it
    /// is dropped (the consumer stops).
    func cancel(keepingQueued: Bool = false) {
        condition.lock()
        cancelled = true
        if !keepingQueued {
            items.removeAll()
            head = 0
        }
        condition.broadcast()
        condition.unlock()
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }
}
