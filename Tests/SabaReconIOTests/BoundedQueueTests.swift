import Foundation
@testable import SabaReconIO
import Testing

@Suite struct BoundedQueueTests {
    final class Batch: Sendable {}

    /// A message the consumer took is no longer held by the queue: at 1,000 tickets a batch,
    /// the taken ones kept until a compaction were most of a concurrent fetch's peak memory.
    @Test func aTakenMessageIsReleased() {
        let queue = BoundedQueue<Batch>(capacity: 4, producers: 1)
        weak var taken: Batch?
        do {
            let batch = Batch()
            taken = batch
            #expect(queue.put(batch))
        }
        #expect(queue.put(Batch()))
        do {
            let first = queue.take()
            #expect(first === taken)
        }
        #expect(taken == nil)
    }

    @Test func messagesComeOutInOrderAcrossCompactions() {
        let queue = BoundedQueue<Int>(capacity: 8, producers: 1)
        var out: [Int] = []
        for i in 0..<300 {
            #expect(queue.put(i))
            // Taken as fast as put, one behind: the queue never fills, and head passes 64.
            if i > 0, let v = queue.take() { out.append(v) }
        }
        queue.finish()
        while let v = queue.take() { out.append(v) }
        #expect(out == Array(0..<300))
    }
}
