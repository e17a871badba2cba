import Foundation
import GRDB
import SabaReconCore

/// The run's staged data, kept beside its reports as evidence: the tickets (de-duplicated
/// by transId, the most settled version winning) and which calls finished, in `run.sqlite`;
/// the ledger entries the run read, in `ledger.spool` (Saba's) and `ledger.sqlite` (the
/// refund providers'). Separate files and connections, so the ledger is staged on one core
/// while the windows are fetched on the other.
///
/// A ticket is a row of its key, its "most settled" order as one integer, the call it came
/// from, and its fields in one exact blob (`TicketRecord`); the refund providers' ledger
/// rows keep money as INTEGER millionths (exact text only for an amount that is not a whole
/// number of them) and times as Unix seconds. Takes any `DatabaseWriter`, so tests use memory.
public struct RunStore: Sendable, CallStore {
    /// Tickets and windows (`run.sqlite`).
    public let tickets: any DatabaseWriter
    /// The ledger as this run read it (`ledger.sqlite`): the refund providers' entries, and
    /// Saba's when the source did not hand them over in the walk's order.
    public let ledger: any DatabaseWriter
    /// Saba's entries in the walk's order (`ledger.spool`), the usual case.
    public let spool: LedgerSpool
    /// The folder of a file-backed store (nil in memory): more readers can open its files.
    public private(set) var folder: URL?
    /// Where `ledger.sqlite` is: the same folder, or that of a ledger read ahead (`withLedger`).
    private(set) var ledgerFolder: URL?

    public static let ticketsFile = "run.sqlite"
    public static let ledgerFile = "ledger.sqlite"

    public init(tickets: any DatabaseWriter, ledger: any DatabaseWriter) throws {
        try self.init(tickets: tickets, ledger: ledger, spool: LedgerSpool())
    }

    init(tickets: any DatabaseWriter, ledger: any DatabaseWriter, spool: LedgerSpool) throws {
        self.tickets = tickets
        self.ledger = ledger
        self.spool = spool
        try Self.checkNotLegacy(tickets)
        try Self.ticketMigrator.migrate(tickets)
        try Self.ledgerMigrator.migrate(ledger)
    }

    /// The two files of a run folder. `run.sqlite` is kept (created when missing);
    /// `ledger.sqlite` is made anew, since every invocation reads the ledger as it is now.
    public static func files(in folder: URL) throws -> RunStore {
        let ledgerPath = folder.appendingPathComponent(ledgerFile).path
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledgerPath + suffix) }
        let spoolPath = folder.appendingPathComponent(LedgerSpool.fileName).path
        try? FileManager.default.removeItem(atPath: spoolPath)
        var ticketConfig = Configuration()
        ticketConfig.label = ticketsFile
        ticketConfig.prepareDatabase { db in
            // WAL with synchronous NORMAL: a commit is not flushed to disk at once, but the file
            // stays consistent after any crash; a window lost that way is fetched again on resume.
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -4000")
        }
        var ledgerConfig = Configuration()
        ledgerConfig.label = ledgerFile
        ledgerConfig.prepareDatabase { db in
            // Rebuilt by every invocation, so it needs no journal and no flushes.
            try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16000")
        }
        var store = try RunStore(tickets: DatabaseQueue(path: folder.appendingPathComponent(ticketsFile).path, configuration: ticketConfig),
                                 ledger: DatabaseQueue(path: ledgerPath, configuration: ledgerConfig), spool: LedgerSpool(path: spoolPath))
        store.folder = folder
        store.ledgerFolder = folder
        return store
    }

    /// This store's tickets with `other`'s staged ledger (a ledger read ahead, `RunAhead`).
    /// Touches neither database: `other`'s ledger may still be being staged (its connection busy).
    func withLedger(of other: RunStore) -> RunStore {
        var store = RunStore(opened: tickets, ledger: other.ledger, spool: other.spool)
        store.folder = folder
        store.ledgerFolder = other.ledgerFolder
        return store
    }

    /// A second pair of read-only connections to the same files, for a reader on another
    /// thread (one connection serves one thread at a time). Nil for a store in memory.
    public func reader() throws -> RunStore? {
        guard let folder, let ledgerFolder else { return nil }
        var config = Configuration()
        config.readonly = true
        config.label = "run-store-reader"
        let tickets = try DatabaseQueue(path: folder.appendingPathComponent(Self.ticketsFile).path, configuration: config)
        let ledger = try DatabaseQueue(path: ledgerFolder.appendingPathComponent(Self.ledgerFile).path, configuration: config)
        var store = RunStore(opened: tickets, ledger: ledger, spool: spool)
        store.folder = folder
        store.ledgerFolder = ledgerFolder
        return store
    }

    /// Databases already opened and migrated by another `RunStore`.
    private init(opened tickets: any DatabaseWriter, ledger: any DatabaseWriter, spool: LedgerSpool) {
        self.tickets = tickets
        self.ledger = ledger
        self.spool = spool
    }

    public static func inMemory() throws -> RunStore {
        try RunStore(tickets: DatabaseQueue(), ledger: DatabaseQueue())
    }

    /// True when the run folder's `run.sqlite` was written by saba-recon 0.1 (a nightly then
    /// starts afresh rather than failing on it every night).
    public static func isLegacy(folder: URL) -> Bool {
        var config = Configuration()
        config.readonly = true
        guard let queue = try? DatabaseQueue(path: folder.appendingPathComponent(ticketsFile).path, configuration: config) else { return false }
        return (try? checkNotLegacy(queue)) == nil
    }

    /// A run store of saba-recon 0.1 kept money as text in one file: it cannot be resumed.
    static func checkNotLegacy(_ writer: any DatabaseWriter) throws {
        let legacy = try writer.read { db in
            try db.tableExists("grdb_migrations") && (try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM grdb_migrations WHERE identifier = 'v1')") ?? false)
        }
        if legacy {
            throw RunStoreError("this run was staged by an earlier saba-recon (run.sqlite schema v1); it cannot be resumed or re-matched: start a new run of its range")
        }
    }

    static var ticketMigrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("tickets-v2") { db in
            // Money columns carry no declared type, so SQLite keeps INTEGER and TEXT as given.
            try db.execute(sql: """
                CREATE TABLE tickets (
                    trans_id TEXT PRIMARY KEY NOT NULL,
                    settlement_rank INTEGER NOT NULL,
                    member_id TEXT NOT NULL,
                    event_id INTEGER, bet_type INTEGER, parlay_ticket_no TEXT,
                    price, stake NOT NULL, trans_time REAL NOT NULL,
                    status TEXT NOT NULL, settlement_price, currency INTEGER NOT NULL,
                    odds_type INTEGER, cashout_enabled INTEGER NOT NULL, already_cashout INTEGER NOT NULL,
                    cashout_price, settlement_time REAL, max_payout,
                    parlay_legs INTEGER NOT NULL, resettles TEXT
                ) WITHOUT ROWID;
                CREATE TABLE windows (
                    idx INTEGER NOT NULL, settled INTEGER NOT NULL,
                    start REAL NOT NULL, "end" REAL NOT NULL, is_edge INTEGER NOT NULL,
                    tickets INTEGER NOT NULL, bytes INTEGER NOT NULL, attempts INTEGER NOT NULL, seconds REAL NOT NULL,
                    PRIMARY KEY (idx, settled)
                );
                """)
        }
        m.registerMigration("tickets-v3-call-order") { db in
            // The call a ticket's kept version came from (FetchCall.planOrder): the tie-break of MoreSettledWins.
            try db.execute(sql: "ALTER TABLE tickets ADD COLUMN call_order INTEGER NOT NULL DEFAULT 0")
        }
        m.registerMigration("tickets-v4-body") { db in
            // A ticket's fields in one blob (TicketRecord): a third of the staging's cost was
            // SQLite handling nineteen columns a row.
            try moveTicketsIntoBodies(db)
        }
        return m
    }

    static var ledgerMigrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("ledger-v2") { db in
            // Keyed in the order the match walks it: one provider's tickets, then entry ids.
            try db.execute(sql: """
                CREATE TABLE ledger (
                    provider TEXT NOT NULL, ticket_id TEXT NOT NULL, entry_id TEXT NOT NULL,
                    member_id TEXT NOT NULL, kind TEXT NOT NULL, amount NOT NULL, currency TEXT NOT NULL,
                    created_at REAL NOT NULL, ref TEXT, event_id TEXT, market_id TEXT, specifiers TEXT,
                    PRIMARY KEY (provider, ticket_id, entry_id)
                ) WITHOUT ROWID;
                """)
        }
        return m
    }

    // MARK: windows

    public struct WindowRecord: Sendable, Equatable, Codable {
        public var index: Int
        public var settled: Bool
        public var start: String
        public var end: String
        public var isEdge: Bool
        public var tickets: Int
        public var bytes: Int
        public var attempts: Int
        public var seconds: Double
    }

    /// Calls that committed, for a resumed run.
    public func committedCalls() throws -> Set<FetchCall> {
        try tickets.read { db in
            Set(try Row.fetchAll(db, sql: "SELECT idx, start, \"end\", is_edge, settled FROM windows").map {
                FetchCall(window: FetchWindow(index: $0["idx"], start: Date(timeIntervalSince1970: $0["start"]), end: Date(timeIntervalSince1970: $0["end"]),
                                              isEdge: $0["is_edge"]),
                          kind: FetchCall.Kind(isSettled: $0["settled"]))
            })
        }
    }

    public func windowRecords() throws -> [WindowRecord] {
        try tickets.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM windows ORDER BY start, settled").map { row in
                WindowRecord(index: row["idx"], settled: row["settled"], start: UTCTime.iso(Date(timeIntervalSince1970: row["start"])),
                             end: UTCTime.iso(Date(timeIntervalSince1970: row["end"])), isEdge: row["is_edge"], tickets: row["tickets"],
                             bytes: row["bytes"], attempts: row["attempts"], seconds: row["seconds"])
            }
        }
    }

    public func ticketCount() throws -> Int {
        try tickets.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets") ?? 0 }
    }
}

public struct RunStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
