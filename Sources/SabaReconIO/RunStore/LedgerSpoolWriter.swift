import Foundation
import SabaReconCore

/// Appends ledger entries to a `LedgerSpool` through a 256 KB buffer, checking that they
/// come in the walk's order. `append` answers false, and writes nothing, for the first
/// entry out of order: the caller then moves what was spooled to the `ledger` table.
final class LedgerSpoolWriter {
    private let spool: LedgerSpool
    private var fd: Int32 = -1
    /// Records are encoded straight into this block; it is written out past `flushAt`.
    private let buffer: UnsafeMutableRawPointer
    private let capacity = (1 << 18) + LedgerSpool.maxRecordBytes + 64
    private let flushAt = 1 << 18
    private var used = 0
    private var index = SpoolIndex()
    private var last: (ticketId: String, entryId: String)?

    init(_ spool: LedgerSpool) throws {
        self.spool = spool
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        switch spool.storage {
        case .file(let path):
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw RunStoreError("cannot create \(path): \(String(cString: strerror(errno)))") }
        case .memory(let bytes):
            bytes.value.withLock { $0.removeAll() }
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// Appends `e` when it sorts after the previous entry; false when it sorts before.
    /// The same (ticket_id, entry_id) twice is a ledger error.
    func append(_ e: LedgerEntry) throws -> Bool {
        if let last {
            // Bytes, not String's ==, which equates canonically equivalent texts.
            let ticket = ByteOrder.compare(e.ticketId, last.ticketId)
            if ticket < 0 { return false }
            if ticket == 0 {
                let entry = ByteOrder.compare(e.entryId, last.entryId)
                if entry == 0 { throw LedgerError.repeated(e.entryId) }
                if entry < 0 { return false }
            }
        }
        last = (e.ticketId, e.entryId)
        if index.records % LedgerSpool.indexStride == 0 {
            index.ticketIds.append(e.ticketId)
            index.offsets.append(index.bytes + used)
        }
        // The texts' lengths bound the record before anything is copied.
        var e = e
        let required = e.ticketId.utf8.count + e.entryId.utf8.count + e.provider.utf8.count + e.memberId.utf8.count
            + e.kind.utf8.count + e.currency.utf8.count
        let optional = (e.ref?.utf8.count ?? 0) + (e.eventId?.utf8.count ?? 0) + (e.marketId?.utf8.count ?? 0)
            + (e.specifiers?.utf8.count ?? 0)
        let textBytes = required + optional
        let length = 24 + 40 + textBytes
        guard length <= LedgerSpool.maxRecordBytes else {
            throw LedgerError("ledger entry \(e.entryId) holds more than \(LedgerSpool.maxRecordBytes) bytes of text")
        }
        put(UInt32(length))
        put(UInt64(truncatingIfNeeded: e.amount.units))
        put(UInt64(truncatingIfNeeded: e.amount.units >> 64))
        put(e.createdAt.timeIntervalSince1970.bitPattern)
        put(&e.ticketId); put(&e.entryId); put(&e.provider); put(&e.memberId); put(&e.kind); put(&e.currency)
        put(&e.ref); put(&e.eventId); put(&e.marketId); put(&e.specifiers)
        index.records += 1
        if used >= flushAt { try flush() }
        return true
    }

    /// Writes what is buffered and records the spool as ordered.
    func finish() throws {
        try flush()
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        spool.finish(index)
    }

    private func put(_ value: UInt64) {
        (buffer + used).storeBytes(of: value.littleEndian, as: UInt64.self)
        used += 8
    }

    private func put(_ value: UInt32) {
        (buffer + used).storeBytes(of: value.littleEndian, as: UInt32.self)
        used += 4
    }

    private func put(_ text: inout String) {
        text.withUTF8 { b in
            put(UInt32(b.count))
            if let base = b.baseAddress { (buffer + used).copyMemory(from: base, byteCount: b.count) }
            used += b.count
        }
    }

    private func put(_ text: inout String?) {
        guard var t = text else { put(UInt32.max); return }
        put(&t)
    }

    private func flush() throws {
        guard used > 0 else { return }
        switch spool.storage {
        case .file(let path):
            var done = 0
            while done < used {
                let n = write(fd, buffer + done, used - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw RunStoreError("cannot write \(path): \(String(cString: strerror(errno)))") }
                done += n
            }
        case .memory(let bytes):
            let block = UnsafeRawBufferPointer(start: buffer, count: used)
            bytes.value.withLock { $0.append(contentsOf: block) }
        }
        index.bytes += used
        used = 0
    }
}
