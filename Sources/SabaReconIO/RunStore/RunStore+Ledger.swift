import Foundation
import GRDB
import SabaReconCore

/// What one provider's ledger read covers: entries created at or after `since`.
public struct LedgerRead: Sendable, Equatable {
    public var provider: String
    public var since: Date
    public init(provider: String, since: Date) {
        self.provider = provider
        self.since = since
    }
}

/// The staged ledger: how many entries and a SHA-256 over them in the order the source
/// sent them, (ticket_id, entry_id) by bytes for both sources, so the same ledger gives the
/// same digest whatever its physical row order (a SQLite ledger's ticket with more than
/// `SQLiteLedgerSource.maxGroup` entries aside: it comes in stored order).
public struct StagedLedger: Sendable, Equatable {
    public var entries: Int
    public var sha256: String
}

extension RunStore {
    /// Replaces the staged ledger with the entries of `reads`. Saba's entries go to the
    /// `LedgerSpool` when the source hands them over in the walk's order (it does with the
    /// index docs/postgresql-ledger.md names); the refund providers' entries, and Saba's when they
    /// come in another order, go to the `ledger` table, in one transaction, indexed after
    /// the load. `entry_id` must be unique across the whole ledger. `shouldStop` is polled
    /// between rows, so a failed fetch can end the read early.
    /// `candidateLimit`: ids the filter may flag before the check counts every id exactly in
    /// a temporary table instead (a very large ledger; bounded memory either way).
    @discardableResult
    public func stageLedger(from source: any LedgerSource, reads: [LedgerRead], indexForRefunds: Bool = true,
                            candidateLimit: Int = 100_000, shouldStop: () -> Bool = { false }) throws -> StagedLedger {
        do {
            return try stageLedgerOnce(from: source, reads: reads, indexForRefunds: indexForRefunds, candidateLimit: candidateLimit,
                                       shouldStop: shouldStop)
        } catch {
            spool.fail()
            throw error
        }
    }

    private func stageLedgerOnce(from source: any LedgerSource, reads: [LedgerRead], indexForRefunds: Bool, candidateLimit: Int,
                                 shouldStop: () -> Bool) throws -> StagedLedger {
        try ledger.write { db in
            try db.execute(sql: """
                DROP INDEX IF EXISTS ledger_entry_id; DROP INDEX IF EXISTS ledger_by_ref; DROP INDEX IF EXISTS ledger_by_event;
                DELETE FROM ledger;
                """)
            let table = try LedgerTableWriter(db)
            var digest = RowDigest()
            var count = 0
            var ids = EntryIdFilter()
            var candidates = Set<String>()
            var tooManyCandidates = false
            spool.reset()
            for read in reads {
                var spooling = read.provider == "saba" ? try LedgerSpoolWriter(spool) : nil
                try Self.forEachRecord(of: source, read) { r in
                    if shouldStop() { throw StagingStopped() }
                    if let writer = spooling {
                        if try !writer.append(r) {
                            // Out of the walk's order: what was spooled moves to the table, which sorts.
                            try writer.finish()
                            try spool.entries { try table.insert($0) }
                            spool.abandon()
                            spooling = nil
                            try table.insert(r.entry())
                        }
                    } else {
                        try table.insert(r.entry())
                    }
                    if !tooManyCandidates && ids.insert(r.entryId) {
                        if candidates.count < candidateLimit {
                            candidates.insert(r.string(.entryId) ?? "")
                        } else {
                            // The filter's layers add up their false alarms on a ledger of many
                            // millions: count every id exactly instead.
                            tooManyCandidates = true
                            candidates = []
                        }
                    }
                    digest.add(r)
                    count += 1
                }
                try spooling?.finish()
            }
            do {
                try db.execute(sql: "CREATE UNIQUE INDEX ledger_entry_id ON ledger(entry_id)")
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                let id = try String.fetchOne(db, sql: "SELECT entry_id FROM ledger GROUP BY entry_id HAVING COUNT(*) > 1 ORDER BY entry_id LIMIT 1") ?? "?"
                throw LedgerError.repeated(id)
            }
            if tooManyCandidates {
                try checkEveryIdUnique(db)
            } else if !candidates.isEmpty {
                try checkUnique(candidates, db)
            }
            if indexForRefunds {
                // The refund judge's lookups: by a refund's seqNo, and feed bets by event and time.
                try db.execute(sql: """
                    CREATE INDEX ledger_by_ref ON ledger(provider, ref) WHERE ref IS NOT NULL;
                    CREATE INDEX ledger_by_event ON ledger(provider, event_id, created_at) WHERE event_id IS NOT NULL;
                    """)
            }
            return StagedLedger(entries: count, sha256: digest.finish())
        }
    }

    /// The entries of `read` as records, `provider` set to the read's: straight from a
    /// `LedgerRecordSource` (no `String` per field), else each `LedgerEntry` encoded.
    private static func forEachRecord(of source: any LedgerSource, _ read: LedgerRead, _ body: (LedgerRecord) throws -> Void) throws {
        if let records = source as? any LedgerRecordSource {
            try records.forEachRecord(provider: read.provider, since: read.since, body)
            return
        }
        let one = LedgerRecordBuffer(capacity: 1 << 12)
        try source.forEachEntry(provider: read.provider, since: read.since) { e in
            var e = e
            e.provider = read.provider
            one.removeAll()
            try one.append(e)
            try body(one.record(0))
        }
    }

    /// Every id of the spool and the table through a temporary table's primary key (on
    /// disk, so memory stays bounded): the first id seen twice is the error.
    private func checkEveryIdUnique(_ db: Database) throws {
        try db.execute(sql: "CREATE TEMP TABLE entry_ids (entry_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID")
        defer { try? db.execute(sql: "DROP TABLE temp.entry_ids") }
        let insert = try RawStatement(db, sql: "INSERT INTO temp.entry_ids VALUES (?)")
        func add(_ id: String) throws {
            insert.bind(1, id)
            do {
                try insert.execute(db)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw LedgerError.repeated(id)
            }
        }
        try forEachStagedId(db, add)
    }

    /// Every staged entry id: the spool's (when it holds the entries), then the table's.
    private func forEachStagedId(_ db: Database, _ body: (String) throws -> Void) throws {
        try spool.entryIds(body)
        let rows = try RawStatement(db, sql: "SELECT entry_id FROM main.ledger")
        while try rows.next(db) { try body(rows.string(0)) }
    }

    /// Counts the ids the filter called repeated, in the spool and the table: the first
    /// (in byte order) seen twice is the error.
    private func checkUnique(_ candidates: Set<String>, _ db: Database) throws {
        var seen: [String: Int] = [:]
        func count(_ id: String) { if candidates.contains(id) { seen[id, default: 0] += 1 } }
        try forEachStagedId(db, count)
        if let id = seen.filter({ $0.value > 1 }).keys.min(by: ByteOrder.precedes) {
            throw LedgerError.repeated(id)
        }
    }
}

/// The `ledger` table's one prepared insert.
struct LedgerTableWriter {
    let db: Database
    let insert: RawStatement

    init(_ db: Database) throws {
        self.db = db
        insert = try RawStatement(db, sql: """
            INSERT INTO ledger (provider, ticket_id, entry_id, member_id, kind, amount, currency, created_at, ref, event_id, market_id, specifiers)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    func insert(_ e: LedgerEntry) throws {
        insert.bind(1, e.provider)
        insert.bind(2, e.ticketId)
        insert.bind(3, e.entryId)
        insert.bind(4, e.memberId)
        insert.bind(5, e.kind)
        insert.bind(6, e.amount)
        insert.bind(7, e.currency)
        insert.bind(8, e.createdAt.timeIntervalSince1970)
        insert.bind(9, e.ref)
        insert.bind(10, e.eventId)
        insert.bind(11, e.marketId)
        insert.bind(12, e.specifiers)
        do {
            try insert.execute(db)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw LedgerError.repeated(e.entryId)
        }
    }
}

/// Thrown out of a ledger read that was asked to stop (the fetch failed meanwhile).
public struct StagingStopped: Error, Sendable, CustomStringConvertible {
    public var description: String { "ledger staging stopped: the run failed meanwhile" }
}

extension RowDigest {
    /// One staged ledger entry (the order of fields is the checksum's definition; a NULL
    /// ref counts as empty).
    mutating func add(_ r: LedgerRecord) {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        field(r.entryId); field(r.text(.provider) ?? empty); field(r.ticketId); field(r.text(.memberId) ?? empty)
        field(r.text(.kind) ?? empty); field(r.amount.units); field(r.text(.currency) ?? empty); field(r.createdAtBits)
        field(r.text(.ref) ?? empty)
        endRow()
    }
}
