import Foundation
import NIOCore
import Synchronization

/// GetBetDetails bodies kept in memory after their first rendering (`--cache-bodies`), so a
/// benchmark times the client, not the sandbox's JSON generation. A body is a function of the
/// tickets its window covers and of `isSettled`, so that is the key; identical queries share it.
final class BodyCache: Sendable {
    struct Key: Hashable, Sendable {
        var first: Int
        var end: Int
        var settled: Bool
    }

    private let bodies = Mutex<[Key: Task<[ByteBuffer], Never>]>([:])

    /// Bodies rendered so far (each once, however many requests asked for it).
    var count: Int { bodies.withLock { $0.count } }

    /// The cached body, rendering it first if no request has yet. Concurrent requests for
    /// a body being rendered wait for that rendering rather than starting their own.
    func body(book: SandboxBook, indexes: Range<Int>, settled: Bool) async -> [ByteBuffer] {
        let key = Key(first: indexes.lowerBound, end: indexes.upperBound, settled: settled)
        let task = bodies.withLock { table -> Task<[ByteBuffer], Never> in
            if let existing = table[key] { return existing }
            let rendering = Task { BodyRenderer.whole(book: book, indexes: indexes, settled: settled) }
            table[key] = rendering
            return rendering
        }
        return await task.value
    }
}
