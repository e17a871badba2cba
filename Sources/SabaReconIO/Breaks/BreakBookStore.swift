import Foundation
import GRDB
import SabaReconCore

/// The break book on disk (SPEC §9): `OUT/breaks.sqlite` by default, never pruned. One
/// night is applied in one transaction with the run's id, so a run that is resumed after a
/// kill updates the book exactly once; acknowledgements and their audit trail are written
/// the same way. Takes any GRDB `DatabaseWriter` (memory in tests).
public struct BreakBookStore: BreakBookStorage {
    public static let defaultFile = "breaks.sqlite"
    let db: any DatabaseWriter
    public var displayName: String { db.path }

    public init(_ db: any DatabaseWriter) throws {
        self.db = db
        try Self.migrator.migrate(db)
    }

    /// The book's file, created when missing. WAL: a reader (`breaks list`) never waits on a run.
    public static func open(path: String) throws -> BreakBookStore {
        var config = Configuration()
        config.label = defaultFile
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL") }
        return try BreakBookStore(DatabaseQueue(path: path, configuration: config))
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("breaks-v1") { db in
            try db.execute(sql: """
                CREATE TABLE breaks (
                    break_id TEXT PRIMARY KEY, provider TEXT NOT NULL, kind TEXT NOT NULL, trans_id TEXT NOT NULL, currency TEXT NOT NULL,
                    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, occurred_at REAL NOT NULL,
                    last_difference TEXT, last_ledger_net TEXT, status TEXT NOT NULL, resolved_at REAL, resolved_by TEXT,
                    ack_by TEXT, ack_reason TEXT, ack_at REAL, ack_until INTEGER, ack_difference TEXT, ack_ledger_net TEXT);
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, break_id TEXT NOT NULL, action TEXT NOT NULL, by TEXT NOT NULL,
                    reason TEXT NOT NULL, at REAL NOT NULL, run_id TEXT, until INTEGER);
                CREATE INDEX events_by_break ON events (break_id, id);
                CREATE TABLE nights (run_id TEXT PRIMARY KEY, applied_at REAL NOT NULL, annotations TEXT NOT NULL);
                """)
        }
        return m
    }

    /// A stored row that is not what this job writes (SPEC §6: the book is trusted no
    /// further than the report root).
    public struct Damaged: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public func load() throws -> BreakBook {
        try db.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM breaks") ?? 0
            guard count <= BreakBook.maxBreaks else {
                throw Damaged(description: "the break book \(displayName) holds \(count) breaks, more than \(BreakBook.maxBreaks): not what saba-recon writes")
            }
            var records: [BreakRecord] = []
            records.reserveCapacity(count)
            for row in try Row.fetchAll(db, sql: "SELECT * FROM breaks") {
                records.append(try Self.record(row))
            }
            return BreakBook(records)
        }
    }

    /// The annotations a run already applied left, if it did: a resumed run writes its
    /// reports with them instead of judging the night a second time.
    public func appliedNight(_ runId: String) throws -> [BreakBook.Annotation]? {
        try db.read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT annotations FROM nights WHERE run_id = ?", arguments: [runId]) else { return nil }
            do {
                return try JSONDecoder().decode([StoredAnnotation].self, from: Data(text.utf8)).map { try $0.annotation }
            } catch {
                throw Damaged(description: "the break book's night of run \(runId) is unreadable: \(error)")
            }
        }
    }

    /// The night, once: the book after it, its events and its annotations in one
    /// transaction. False when this run was applied before (the book is left as it is).
    @discardableResult
    public func apply(_ night: BreakBook.Night, runId: String, at: Date) throws -> Bool {
        let annotations = String(decoding: try JSONEncoder().encode(night.annotations.map(StoredAnnotation.init)), as: UTF8.self)
        return try db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM nights WHERE run_id = ?", arguments: [runId]) == true { return false }
            try Self.save(night.book, in: db)
            for event in night.events { try Self.insert(event, in: db) }
            try db.execute(sql: "INSERT INTO nights (run_id, applied_at, annotations) VALUES (?, ?, ?)", arguments: [runId, at.timeIntervalSince1970, annotations])
            return true
        }
    }

    /// A person's acknowledgements or withdrawals (`breaks ack`, `breaks unack`): the book
    /// after them and their events, in one transaction.
    public func record(_ events: [BreakEvent], book: BreakBook) throws {
        try db.write { db in
            try Self.save(book, in: db, only: Set(events.map(\.breakId)))
            for event in events { try Self.insert(event, in: db) }
        }
    }

    /// The audit trail, oldest first (one break's, or all).
    public func events(of breakId: String?) throws -> [BreakEvent] {
        try db.read { db in
            let rows = try breakId.map { try Row.fetchAll(db, sql: "SELECT * FROM events WHERE break_id = ? ORDER BY id", arguments: [$0]) }
                ?? Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY id")
            return try rows.map { row in
                guard let action = BreakEvent.Action(rawValue: row["action"]) else { throw Damaged(description: "an event of break \(row["break_id"] as String? ?? "?") has an unknown action") }
                return BreakEvent(breakId: row["break_id"], action: action, by: row["by"], reason: row["reason"],
                                  at: Date(timeIntervalSince1970: row["at"]), runId: row["run_id"], until: row["until"])
            }
        }
    }

    static func save(_ book: BreakBook, in db: Database, only: Set<String>? = nil) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO breaks (break_id, provider, kind, trans_id, currency, first_seen, last_seen, occurred_at, last_difference,
                last_ledger_net, status, resolved_at, resolved_by, ack_by, ack_reason, ack_at, ack_until, ack_difference, ack_ledger_net)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (id, r) in book.breaks where only?.contains(id) ?? true {
            let ack = r.acknowledgement
            try statement.execute(arguments: [
                id, r.key.provider, r.key.kind.rawValue, r.key.transId, r.currency, r.firstSeen, r.lastSeen, r.occurredAt.timeIntervalSince1970,
                r.lastDifference.map { Money.format($0) }, r.lastLedgerNet.map { Money.format($0) }, r.status.rawValue,
                r.resolvedAt?.timeIntervalSince1970, r.resolvedBy, ack?.by, ack?.reason, ack?.at.timeIntervalSince1970, ack?.until,
                ack?.difference.map { Money.format($0) }, ack?.ledgerNet.map { Money.format($0) },
            ])
        }
    }

    static func insert(_ e: BreakEvent, in db: Database) throws {
        try db.execute(sql: "INSERT INTO events (break_id, action, by, reason, at, run_id, until) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [e.breakId, e.action.rawValue, e.by, e.reason, e.at.timeIntervalSince1970, e.runId, e.until])
    }

    static func record(_ row: Row) throws -> BreakRecord {
        let id: String = row["break_id"]
        func money(_ column: String) throws -> Money? {
            guard let text: String = row[column] else { return nil }
            guard let m = Money.parse(text) else { throw Damaged(description: "break \(id): \(column) '\(text.prefix(40))' is not an amount") }
            return m
        }
        guard let kind = DiscrepancyKind(rawValue: row["kind"]), let status = BreakStatus(rawValue: row["status"]) else {
            throw Damaged(description: "break \(id) has an unknown kind or status")
        }
        let key = BreakKey(provider: row["provider"], kind: kind, transId: row["trans_id"])
        guard key.breakId == id else { throw Damaged(description: "break \(id) is stored under an id that is not its key's (\(key.breakId))") }
        var ack: Acknowledgement?
        if let by: String = row["ack_by"] {
            ack = Acknowledgement(by: by, reason: row["ack_reason"] ?? "", at: Date(timeIntervalSince1970: row["ack_at"] ?? 0), until: row["ack_until"],
                                  difference: try money("ack_difference"), ledgerNet: try money("ack_ledger_net"))
        }
        return BreakRecord(key: key, currency: row["currency"], firstSeen: row["first_seen"], lastSeen: row["last_seen"],
                           occurredAt: Date(timeIntervalSince1970: row["occurred_at"]), lastDifference: try money("last_difference"),
                           lastLedgerNet: try money("last_ledger_net"), status: status,
                           resolvedAt: (row["resolved_at"] as Double?).map { Date(timeIntervalSince1970: $0) }, resolvedBy: row["resolved_by"],
                           acknowledgement: ack)
    }

    /// An annotation as a night keeps it.
    struct StoredAnnotation: Codable {
        var break_id: String
        var status: String
        var first_seen: Int
        var age_days: Int
        var note: String

        init(_ a: BreakBook.Annotation) {
            break_id = a.breakId
            status = a.status.rawValue
            first_seen = a.firstSeen
            age_days = a.ageDays
            note = a.note
        }

        var annotation: BreakBook.Annotation {
            get throws {
                guard let s = BreakStatus(rawValue: status) else { throw Damaged(description: "a stored night has an unknown status '\(status.prefix(20))'") }
                return BreakBook.Annotation(breakId: break_id, status: s, firstSeen: first_seen, ageDays: age_days, note: note)
            }
        }
    }
}
