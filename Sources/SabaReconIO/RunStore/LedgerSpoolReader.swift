import Foundation
import SabaReconCore

/// Reads a finished `LedgerSpool` front to back in 256 KB blocks, optionally only the
/// entries whose ticket id is in [lower, upper) (one half of the walk). Lengths are
/// checked against the block and `LedgerSpool.maxRecordBytes`: a damaged file is an
/// error naming its offset, never a read past the end.
final class LedgerSpoolReader {
    private let spool: LedgerSpool
    private var fd: Int32 = -1
    private let total: Int
    private let upper: String?
    private var lower: String?
    private var block: [UInt8]
    /// Unread bytes are block[position..<filled]; block[0] is at `blockOffset` in the spool.
    private var position = 0
    private var filled = 0
    private var blockOffset: Int
    private var finished = false

    init(_ spool: LedgerSpool, index: SpoolIndex, from lower: String? = nil, below upper: String? = nil) throws {
        self.spool = spool
        self.total = index.bytes
        self.lower = lower
        self.upper = upper
        blockOffset = lower.map { index.start(atOrAfter: $0) } ?? 0
        block = [UInt8](repeating: 0, count: 1 << 18)
        if case .file(let path) = spool.storage {
            fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw RunStoreError("cannot open \(path): \(String(cString: strerror(errno)))") }
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The next entry in range, or nil at the end of the spool or of the range.
    func next() throws -> LedgerEntry? {
        while !finished {
            guard let length = try nextRecord() else { return nil }
            let entry: LedgerEntry?
            do {
                entry = try decode()
            } catch is Done {
                finished = true
                return nil
            }
            position += 4 + length
            if let entry {
                lower = nil  // past the lower bound: every later record is in range
                return entry
            }
        }
        return nil
    }

    /// The next record's entry id only (the uniqueness check's pass), or nil at the end.
    func nextEntryId() throws -> String? {
        guard let length = try nextRecord() else { return nil }
        let id = try record { $0.string(.entryId) ?? "" }
        position += 4 + length
        return id
    }

    /// The length of the record at `position`, whole in the block, or nil at the end.
    private func nextRecord() throws -> Int? {
        guard try available(4) else { return nil }
        let length: Int
        do {
            length = try LedgerRecord.length(word(at: position))
        } catch {
            throw damaged(error.what)
        }
        guard try available(4 + length) else { throw damaged("a record cut short") }
        return length
    }

    /// The record at `position` (whole in the block), viewed for `body`.
    private func record<T>(_ body: (LedgerRecord) throws -> T) throws -> T {
        try block.withUnsafeBytes { b in
            let r: LedgerRecord
            do {
                r = try LedgerRecord(UnsafeRawBufferPointer(rebasing: b[position...]))
            } catch let damage as LedgerRecord.Damage {
                throw damaged(damage.what)
            }
            return try body(r)
        }
    }

    /// The record at `position` (nil when below the lower bound; `Done` at the upper one).
    private func decode() throws -> LedgerEntry? {
        try record { r in
            if let lower, ByteOrder.compare(r.ticketId, lower) < 0 { return nil }
            if let upper, ByteOrder.compare(r.ticketId, upper) >= 0 { throw Done() }
            return r.entry()
        }
    }

    /// Thrown by `decode` at the upper bound; `next` turns it into the end.
    private struct Done: Error {}

    private func damaged(_ what: String) -> RunStoreError {
        RunStoreError("run store: \(LedgerSpool.fileName) is damaged at byte \(blockOffset + position): \(what)")
    }

    private func word(at i: Int) -> UInt32 {
        block.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian }
    }

    /// True when `count` unread bytes are in the block (refilling it); false when nothing is
    /// left; an error when fewer than `count` are (a record cut short).
    private func available(_ count: Int) throws -> Bool {
        if filled - position >= count { return true }
        // Keep the unread tail, then read after it.
        let tail = filled - position
        if position > 0 {
            block.withUnsafeMutableBufferPointer { b in
                if let base = b.baseAddress, tail > 0 { base.update(from: base + position, count: tail) }
            }
            blockOffset += position
            position = 0
            filled = tail
        }
        if block.count < count { block.append(contentsOf: [UInt8](repeating: 0, count: count - block.count)) }
        while filled < count {
            let from = blockOffset + filled
            let want = min(block.count - filled, total - from)
            guard want > 0 else {
                if filled == 0 { return false }
                throw damaged("the file ends inside a record")
            }
            let got = try read(into: filled, count: want, at: from)
            guard got > 0 else { throw damaged("the file ends before its \(total) bytes") }
            filled += got
        }
        return true
    }

    private func read(into at: Int, count: Int, at offset: Int) throws -> Int {
        switch spool.storage {
        case .file(let path):
            return try block.withUnsafeMutableBytes { raw in
                while true {
                    let n = pread(fd, raw.baseAddress.map { $0 + at }, count, off_t(offset))
                    if n < 0 && errno == EINTR { continue }
                    guard n >= 0 else { throw RunStoreError("cannot read \(path): \(String(cString: strerror(errno)))") }
                    return n
                }
            }
        case .memory(let bytes):
            return bytes.value.withLock { source in
                let n = max(0, min(count, source.count - offset))
                for k in 0..<n { block[at + k] = source[offset + k] }
                return n
            }
        }
    }
}
