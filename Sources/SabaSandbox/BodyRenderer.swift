import Foundation
import NIOCore

/// Renders a GetBetDetails body in chunks of about 256 KB, making each ticket as it is
/// written, so a busy window never sits in memory unless the body cache keeps it.
struct BodyRenderer {
    static let chunkBytes = 256 * 1024

    private let book: SandboxBook
    private let settled: Bool
    private var next: Int
    private let stop: Int
    /// A truncated body ends without its closing bracket, as a dropped connection leaves it.
    private let closes: Bool
    private var opened = false
    private var empty = true
    private var done = false

    /// `truncateHalfway` stops after half the window's tickets.
    init(book: SandboxBook, indexes: Range<Int>, settled: Bool, truncateHalfway: Bool = false) {
        self.book = book
        self.settled = settled
        self.next = indexes.lowerBound
        self.stop = truncateHalfway ? min(indexes.upperBound, indexes.lowerBound + max(1, indexes.count / 2)) : indexes.upperBound
        self.closes = !truncateHalfway
    }

    /// The next chunk, or nil once the body is complete.
    mutating func nextChunk() -> ByteBuffer? {
        guard !done else { return nil }
        var text = opened ? "" : "["
        opened = true
        text.reserveCapacity(Self.chunkBytes + 4096)
        while next < stop {
            let i = next
            next += 1
            guard let e = book.served(i, settled: settled) else { continue }
            if !empty { text += "," }
            empty = false
            SandboxBook.json(e, operatorId: book.operatorId, into: &text)
            if text.utf8.count >= Self.chunkBytes { return ByteBuffer(string: text) }
        }
        done = true
        if closes { text += "]" }
        return text.isEmpty ? nil : ByteBuffer(string: text)
    }

    /// The whole body, for the cache.
    static func whole(book: SandboxBook, indexes: Range<Int>, settled: Bool) -> [ByteBuffer] {
        var renderer = BodyRenderer(book: book, indexes: indexes, settled: settled)
        var chunks: [ByteBuffer] = []
        while let chunk = renderer.nextChunk() { chunks.append(chunk) }
        return chunks
    }
}
