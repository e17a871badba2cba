import Foundation
import SabaReconCore

/// Ledger records (`LedgerRecord`) encoded one after another into one growing block: the
/// SQLite source's entries of one ticket, held to be put in entry_id order, or the one
/// record of a `LedgerEntry` from any other source. A record's texts are given in
/// `LedgerRecord.Field` order between `begin` and `end`.
final class LedgerRecordBuffer {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private var used = 0
    /// Where each finished record starts.
    private var starts: [Int] = []
    /// Where the record being encoded starts, and whether a text made it too long.
    private var open = 0
    private var tooLong = false

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    var count: Int { starts.count }
    /// The bytes of the finished records.
    var byteCount: Int { used }

    /// Starts a record with its amount and `created_at`.
    func begin(amount: Money, createdAt: Date) {
        open = used
        tooLong = false
        reserve(4 + LedgerRecord.fixedBytes)
        used += 4
        put(UInt64(truncatingIfNeeded: amount.units))
        put(UInt64(truncatingIfNeeded: amount.units >> 64))
        put(createdAt.timeIntervalSince1970.bitPattern)
    }

    /// A text's bytes as a `String` would hold them: invalid UTF-8 is repaired the same
    /// way (`String(decoding:)`), so the record matches a `LedgerEntry` read as text.
    func text(_ bytes: UnsafeBufferPointer<UInt8>?) {
        guard let bytes else { putLength(LedgerRecord.null); return }
        if bytes.contains(where: { $0 >= 0x80 }) {
            text(String(decoding: bytes, as: UTF8.self))
        } else {
            copy(UnsafeRawBufferPointer(bytes))
        }
    }

    func text(_ string: String?) {
        guard var string else { putLength(LedgerRecord.null); return }
        string.withUTF8 { copy(UnsafeRawBufferPointer($0)) }
    }

    /// Ends the record; an error naming the entry when it holds more than
    /// `LedgerSpool.maxRecordBytes` (nothing of it is kept then).
    func end(entryId: @autoclosure () -> String) throws {
        let length = used - open - 4
        guard !tooLong, length <= LedgerSpool.maxRecordBytes else {
            used = open
            throw LedgerError("ledger entry \(entryId().prefix(200)) holds more than \(LedgerSpool.maxRecordBytes) bytes of text")
        }
        (base + open).storeBytes(of: UInt32(length).littleEndian, as: UInt32.self)
        starts.append(open)
        open = used
    }

    /// Encodes `e` as one record.
    func append(_ e: LedgerEntry) throws {
        begin(amount: e.amount, createdAt: e.createdAt)
        text(e.ticketId); text(e.entryId); text(e.provider); text(e.memberId); text(e.kind); text(e.currency)
        text(e.ref); text(e.eventId); text(e.marketId); text(e.specifiers)
        try end(entryId: e.entryId)
    }

    /// The `i`-th record, valid until the buffer next changes.
    func record(_ i: Int) throws -> LedgerRecord {
        let end = i + 1 < starts.count ? starts[i + 1] : used
        do {
            return try LedgerRecord(UnsafeRawBufferPointer(start: base + starts[i], count: end - starts[i]))
        } catch {
            throw RunStoreError("ledger record \(i) encoded wrongly: \(error.what)")
        }
    }

    /// The `i`-th record's ticket id (its first text), read without viewing the rest.
    func ticketId(_ i: Int) -> UnsafeRawBufferPointer {
        let at = base + starts[i] + 4 + LedgerRecord.fixedBytes
        let n = at.loadUnaligned(as: UInt32.self).littleEndian
        return UnsafeRawBufferPointer(start: at + 4, count: n == LedgerRecord.null ? 0 : Int(n))
    }

    func removeAll() {
        starts.removeAll(keepingCapacity: true)
        used = 0
        open = 0
    }

    /// Keeps only the last record, moved to the front.
    func keepLast() {
        guard let last = starts.last else { return }
        let n = used - last
        if last > 0 { base.copyMemory(from: base + last, byteCount: n) }
        starts.removeAll(keepingCapacity: true)
        starts.append(0)
        used = n
        open = n
    }

    private func copy(_ bytes: UnsafeRawBufferPointer) {
        // Past the limit, only lengths are written: `end` refuses the record, and a cell of
        // a gigabyte is never copied.
        if tooLong || used - open + 4 + bytes.count > 4 + LedgerSpool.maxRecordBytes {
            tooLong = true
            putLength(0)
            return
        }
        putLength(UInt32(bytes.count))
        reserve(bytes.count)
        if let from = bytes.baseAddress, bytes.count > 0 { (base + used).copyMemory(from: from, byteCount: bytes.count) }
        used += bytes.count
    }

    private func putLength(_ n: UInt32) {
        reserve(4)
        (base + used).storeBytes(of: n.littleEndian, as: UInt32.self)
        used += 4
    }

    private func put(_ value: UInt64) {
        (base + used).storeBytes(of: value.littleEndian, as: UInt64.self)
        used += 8
    }

    private func reserve(_ more: Int) {
        guard used + more > capacity else { return }
        var grown = capacity * 2
        while grown < used + more { grown *= 2 }
        let next = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        next.copyMemory(from: base, byteCount: used)
        base.deallocate()
        base = next
        capacity = grown
    }
}
