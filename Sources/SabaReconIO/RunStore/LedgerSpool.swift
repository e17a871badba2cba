import Foundation
import SabaReconCore
import Synchronization

/// The run's Saba ledger entries as the ledger source handed them over, already in the
/// walk's order (ticket_id, entry_id in byte order), appended to one flat file
/// (`ledger.spool`) and read back once by the match walk. A source gives that order when
/// its table has the index docs/postgresql-ledger.md names; copying the entries into an indexed
/// SQLite table instead cost most of the ledger stage (inserts, two index builds) and a
/// third of the walk. A source that hands entries over in another order makes the staging
/// fall back to that table (`RunStore.stageLedger`), which sorts them.
///
/// Record format (little endian): a UInt32 body length, then the amount (Int128 units),
/// `created_at` (Float64 bits), then ten texts, each a UInt32 byte count (UInt32.max for
/// NULL) and its UTF-8 bytes: ticket_id, entry_id, provider, member_id, kind, currency,
/// ref, event_id, market_id, specifiers. Every `indexStride`-th record's ticket id and
/// offset are kept in memory, so a reader can start at a ticket id (the walk's halves).
public final class LedgerSpool: Sendable {
    /// What the staging left: nothing yet, the entries in order, or none here because
    /// they were out of order and went to the `ledger` table.
    enum State: Sendable {
        case empty
        case ordered(SpoolIndex)
        case unordered
        /// The last staging failed part-way: nothing may be walked (the table may be partial too).
        case failed
    }

    /// Where records live: a file of the run folder, or memory for a store in memory.
    enum Storage: Sendable {
        case file(String)
        case memory(Bytes)
    }

    /// The bytes of a spool in memory.
    final class Bytes: Sendable {
        let value = Mutex<[UInt8]>([])
    }

    static let indexStride = 1024
    /// A record larger than this is refused when written (and when read back): a ledger
    /// row of megabytes is not a wallet movement.
    static let maxRecordBytes = 1 << 20

    let storage: Storage
    private let state = Mutex<State>(.empty)

    public static let fileName = "ledger.spool"

    init(path: String) { storage = .file(path) }
    init() { storage = .memory(Bytes()) }

    var current: State { state.withLock { $0 } }

    /// The index of an ordered spool (nil when the entries went to the table instead).
    var index: SpoolIndex? {
        if case .ordered(let index) = current { return index }
        return nil
    }

    /// Every entry of an ordered spool, in order (none when the entries went to the table).
    func entries(_ body: (LedgerEntry) throws -> Void) throws {
        guard let index else { return }
        let reader = try LedgerSpoolReader(self, index: index)
        while let e = try reader.next() { try body(e) }
    }

    /// Every entry id of an ordered spool, in order, without decoding the rest.
    func entryIds(_ body: (String) throws -> Void) throws {
        guard let index else { return }
        let reader = try LedgerSpoolReader(self, index: index)
        while let id = try reader.nextEntryId() { try body(id) }
    }

    func finish(_ index: SpoolIndex) { state.withLock { $0 = .ordered(index) } }
    func reset() { state.withLock { $0 = .empty } }

    /// The entries went to the table: the file is emptied, so the run folder never shows a
    /// partial spool as if it were the ledger.
    func abandon() {
        discard()
        state.withLock { $0 = .unordered }
    }

    /// The staging failed: emptied, and marked so a walk refuses to start.
    func fail() {
        discard()
        state.withLock { $0 = .failed }
    }

    private func discard() {
        switch storage {
        case .file(let path): _ = truncate(path, 0)
        case .memory(let bytes): bytes.value.withLock { $0.removeAll() }
        }
    }
}

/// Every `LedgerSpool.indexStride`-th record: its ticket id and byte offset.
struct SpoolIndex: Sendable {
    var ticketIds: [String] = []
    var offsets: [Int] = []
    var records = 0
    var bytes = 0

    /// Where a reader wanting ticket ids >= `lower` starts: the last indexed record whose
    /// ticket id is below it (records before that cannot qualify).
    func start(atOrAfter lower: String) -> Int {
        var lo = 0, hi = ticketIds.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ByteOrder.precedes(ticketIds[mid], lower) { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? 0 : offsets[lo - 1]
    }
}
