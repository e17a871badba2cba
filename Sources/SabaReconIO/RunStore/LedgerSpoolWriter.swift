import Foundation
import SabaReconCore

/// Appends ledger records to a `LedgerSpool` through a 256 KB buffer, checking that they
/// come in the walk's order. `append` answers false, and writes nothing, for the first
/// entry out of order: the caller then moves what was spooled to the `ledger` table.
final class LedgerSpoolWriter {
    private let spool: LedgerSpool
    private var fd: Int32 = -1
    /// Records are copied into this block; it is written out past `flushAt`.
    private let buffer: UnsafeMutableRawPointer
    private let capacity = (1 << 18) + LedgerSpool.maxRecordBytes + 64
    private let flushAt = 1 << 18
    private var used = 0
    private var index = SpoolIndex()
    /// The previous record's ids (reused buffers, so an append allocates nothing).
    private var hasLast = false
    private var lastTicketId: [UInt8] = []
    private var lastEntryId: [UInt8] = []

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

    /// Appends `r` when it sorts after the previous entry; false when it sorts before.
    /// The same (ticket_id, entry_id) twice is a ledger error.
    func append(_ r: LedgerRecord) throws -> Bool {
        let ticketId = r.ticketId, entryId = r.entryId
        if hasLast {
            // Bytes, as the walk compares them.
            let ticket = lastTicketId.withUnsafeBytes { ByteOrder.compare(ticketId, $0) }
            if ticket < 0 { return false }
            if ticket == 0 {
                let entry = lastEntryId.withUnsafeBytes { ByteOrder.compare(entryId, $0) }
                if entry == 0 { throw LedgerError.repeated(r.string(.entryId) ?? "") }
                if entry < 0 { return false }
            }
        }
        hasLast = true
        lastTicketId.removeAll(keepingCapacity: true)
        lastTicketId.append(contentsOf: ticketId)
        lastEntryId.removeAll(keepingCapacity: true)
        lastEntryId.append(contentsOf: entryId)
        if index.records % LedgerSpool.indexStride == 0 {
            index.ticketIds.append(r.string(.ticketId) ?? "")
            index.offsets.append(index.bytes + used)
        }
        if let from = r.bytes.baseAddress { (buffer + used).copyMemory(from: from, byteCount: r.bytes.count) }
        used += r.bytes.count
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
