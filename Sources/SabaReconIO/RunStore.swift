import Foundation
import GRDB
import SabaReconCore

/// One committed GetBetDetails call.
public struct FinishedWindow: Hashable, Sendable {
    public var index: Int
    public var start: Date
    public var settled: Bool
}

/// The run's own SQLite file, kept beside its reports as evidence: staged tickets
/// (de-duplicated by transId, the most settled version winning), the ledger entries of
/// the run, and which windows finished. Takes any `DatabaseWriter`, so tests use memory.
public struct RunStore: Sendable {
    public let writer: any DatabaseWriter

    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    public static func file(_ path: String) throws -> RunStore {
        var config = Configuration()
        config.label = "run-store"
        return try RunStore(DatabaseQueue(path: path, configuration: config))
    }

    public static func inMemory() throws -> RunStore {
        try RunStore(DatabaseQueue())
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE tickets (
                    trans_id TEXT PRIMARY KEY NOT NULL,
                    settlement_key TEXT NOT NULL,
                    member_id TEXT NOT NULL,
                    event_id INTEGER, bet_type INTEGER, parlay_ticket_no TEXT,
                    price TEXT, stake TEXT NOT NULL, trans_time REAL NOT NULL,
                    status TEXT NOT NULL, settlement_price TEXT, currency INTEGER NOT NULL,
                    odds_type INTEGER, cashout_enabled INTEGER NOT NULL, already_cashout INTEGER NOT NULL,
                    cashout_price TEXT, settlement_time REAL, max_payout TEXT,
                    parlay_legs INTEGER NOT NULL, resettles TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE ledger (
                    entry_id TEXT PRIMARY KEY NOT NULL,
                    provider TEXT NOT NULL, ticket_id TEXT NOT NULL, member_id TEXT NOT NULL,
                    kind TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
                    created_at REAL NOT NULL, ref TEXT, event_id TEXT, market_id TEXT, specifiers TEXT
                );
                CREATE TABLE windows (
                    idx INTEGER NOT NULL, settled INTEGER NOT NULL,
                    start REAL NOT NULL, "end" REAL NOT NULL, is_edge INTEGER NOT NULL,
                    tickets INTEGER NOT NULL, bytes INTEGER NOT NULL, attempts INTEGER NOT NULL, seconds REAL NOT NULL,
                    PRIMARY KEY (idx, settled)
                );
                """)
        }
        return m
    }

    // MARK: tickets

    static let upsertSQL = """
        INSERT INTO tickets (trans_id, settlement_key, member_id, event_id, bet_type, parlay_ticket_no, price, stake,
            trans_time, status, settlement_price, currency, odds_type, cashout_enabled, already_cashout, cashout_price,
            settlement_time, max_payout, parlay_legs, resettles)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(trans_id) DO UPDATE SET
            settlement_key = excluded.settlement_key, member_id = excluded.member_id, event_id = excluded.event_id,
            bet_type = excluded.bet_type, parlay_ticket_no = excluded.parlay_ticket_no, price = excluded.price,
            stake = excluded.stake, trans_time = excluded.trans_time, status = excluded.status,
            settlement_price = excluded.settlement_price, currency = excluded.currency, odds_type = excluded.odds_type,
            cashout_enabled = excluded.cashout_enabled, already_cashout = excluded.already_cashout,
            cashout_price = excluded.cashout_price, settlement_time = excluded.settlement_time,
            max_payout = excluded.max_payout, parlay_legs = excluded.parlay_legs, resettles = excluded.resettles
        WHERE excluded.settlement_key > tickets.settlement_key
        """

    /// Stages one ticket inside an open write transaction.
    public static func stage(_ t: Ticket, in db: Database) throws {
        let statement = try db.cachedStatement(sql: upsertSQL)
        try statement.execute(arguments: [
            t.transId, t.settlementKey, t.memberId, t.eventId, t.betType, t.parlayTicketNo, text(t.price), text(t.stake),
            t.transTime.timeIntervalSince1970, t.status.description, text(t.settlementPrice), t.currency, t.oddsType,
            t.cashoutEnabled, t.alreadyCashout, text(t.cashoutPrice), t.settlementTime?.timeIntervalSince1970,
            text(t.maxPayOut), t.parlayLegs, encodeResettles(t.resettles),
        ])
    }

    /// Runs one window's fetch in a transaction: its tickets and its `windows` row land together.
    public func stageWindow(_ window: FetchWindow, settled: Bool, fetch: (_ stage: (Ticket) throws -> Void) throws -> FetchStats) throws -> FetchStats {
        try writer.write { db in
            let stats = try fetch { try Self.stage($0, in: db) }
            try db.execute(sql: """
                INSERT OR REPLACE INTO windows (idx, settled, start, "end", is_edge, tickets, bytes, attempts, seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [window.index, settled, window.start.timeIntervalSince1970, window.end.timeIntervalSince1970,
                                 window.isEdge, stats.tickets, stats.bytes, stats.attempts, stats.seconds])
            return stats
        }
    }

    /// Windows whose call committed, for a resumed run.
    public func finishedWindows() throws -> Set<FinishedWindow> {
        try writer.read { db in
            Set(try Row.fetchAll(db, sql: "SELECT idx, start, settled FROM windows").map {
                FinishedWindow(index: $0["idx"], start: Date(timeIntervalSince1970: $0["start"]), settled: $0["settled"])
            })
        }
    }

    /// Drops staged ledger entries, so a resumed or re-matched run reads the ledger as it is now.
    public func clearLedger() throws {
        try writer.write { try $0.execute(sql: "DELETE FROM ledger") }
    }

    public func ticketCount() throws -> Int {
        try writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets") ?? 0 }
    }

    static func text(_ d: Decimal?) -> String? { d.map { Money.format($0, minFractionDigits: 0) } }

    static func encodeResettles(_ list: [Resettle]) -> String {
        let items = list.map { r -> String in
            let date = r.resettleDate.map { String($0.timeIntervalSince1970) } ?? "null"
            return "{\"d\":\(date),\"b\":\(r.balanceChange),\"s\":\(JSONValue.quote(r.status.description)),\"p\":\"\(Money.format(r.reSettlePrice, minFractionDigits: 0))\"}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    static func decodeResettles(_ text: String) throws -> [Resettle] {
        guard case .array(let items) = try JSONValue.parse(text) else { return [] }
        return items.map { item in
            let date: Date? = {
                if case .number(let n)? = item["d"], let s = Double(n) { return Date(timeIntervalSince1970: s) }
                return nil
            }()
            let changed: Bool = { if case .bool(let b)? = item["b"] { return b }; return false }()
            return Resettle(resettleDate: date, balanceChange: changed, status: TicketStatus(item["s"]?.stringValue ?? ""),
                            reSettlePrice: item["p"]?.stringValue.flatMap { Money.parse($0) } ?? 0)
        }
    }

    static func decimal(_ row: Row, _ column: String) -> Decimal? {
        (row[column] as String?).flatMap { Money.parse($0) }
    }

    static func ticket(from row: Row) throws -> Ticket {
        Ticket(
            transId: row["trans_id"], memberId: row["member_id"], eventId: row["event_id"], betType: row["bet_type"],
            parlayTicketNo: row["parlay_ticket_no"], price: decimal(row, "price"), stake: decimal(row, "stake") ?? 0,
            transTime: Date(timeIntervalSince1970: row["trans_time"]), status: TicketStatus(row["status"] as String),
            settlementPrice: decimal(row, "settlement_price"), currency: row["currency"], oddsType: row["odds_type"],
            cashoutEnabled: row["cashout_enabled"], alreadyCashout: row["already_cashout"], cashoutPrice: decimal(row, "cashout_price"),
            settlementTime: (row["settlement_time"] as Double?).map(Date.init(timeIntervalSince1970:)),
            maxPayOut: decimal(row, "max_payout"), parlayLegs: row["parlay_legs"],
            resettles: try decodeResettles(row["resettles"]))
    }

    // MARK: ledger

    /// Copies the ledger entries of `provider` created at or after `since` into the run;
    /// returns how many were staged.
    @discardableResult
    public func stageLedger(from source: any LedgerSource, provider: String, since: Date) throws -> Int {
        var count = 0
        try writer.write { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO ledger (entry_id, provider, ticket_id, member_id, kind, amount, currency, created_at, ref, event_id, market_id, specifiers)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(entry_id) DO NOTHING
                """)
            try source.forEachEntry(provider: provider) { e in
                guard e.createdAt >= since else { return }
                let amount = Money.format(e.amount, minFractionDigits: 0)
                try statement.execute(arguments: [e.entryId, e.provider, e.ticketId, e.memberId, e.kind, amount, e.currency,
                                                  e.createdAt.timeIntervalSince1970, e.ref, e.eventId, e.marketId, e.specifiers])
                if db.changesCount == 0 {
                    throw LedgerError("ledger entry_id \(e.entryId) appears twice; entry_id must be unique")
                }
                count += 1
            }
            // Indexes after the load: one sort instead of an update per row.
            try db.execute(sql: """
                CREATE INDEX IF NOT EXISTS ledger_by_ticket ON ledger(provider, ticket_id, entry_id);
                CREATE INDEX IF NOT EXISTS ledger_by_ref ON ledger(provider, ref) WHERE ref IS NOT NULL;
                CREATE INDEX IF NOT EXISTS ledger_by_event ON ledger(provider, event_id, created_at) WHERE event_id IS NOT NULL;
                """)
        }
        return count
    }

    /// A SHA-256 over the staged entries in `entry_id` order, independent of the ledger's row order.
    public func ledgerDigest() throws -> String {
        try writer.read { db in
            var hasher = SHA256()
            let rows = try Row.fetchCursor(db, sql: "SELECT entry_id, provider, ticket_id, member_id, kind, amount, currency, created_at, ref FROM ledger ORDER BY entry_id")
            while let r = try rows.next() {
                let fields: [String] = (0..<9).map { (r[$0] as DatabaseValue).description }
                hasher.update(fields.joined(separator: "\t") + "\n")
            }
            return hasher.hexDigest()
        }
    }

    /// Entries of one provider with this `ref` (eBET refunds are keyed by their seqNo).
    public func entries(provider: String, ref: String) throws -> [LedgerEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE provider = ? AND ref = ? ORDER BY entry_id", arguments: [provider, ref]).map(Self.entry(from:))
        }
    }

    /// Entries of one provider's ticket (JDB transferId, feed bet id).
    public func entries(provider: String, ticketId: String) throws -> [LedgerEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE provider = ? AND ticket_id = ? ORDER BY entry_id", arguments: [provider, ticketId]).map(Self.entry(from:))
        }
    }

    /// `bet` entries of a provider on one event, optionally within [from, to].
    public func bets(provider: String, eventId: String, from: Date?, to: Date?) throws -> [LedgerEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM ledger WHERE provider = ? AND event_id = ? AND kind = 'bet' AND created_at >= ? AND created_at <= ?
                ORDER BY created_at, entry_id
                """, arguments: [provider, eventId, from?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude,
                                 to?.timeIntervalSince1970 ?? Double.greatestFiniteMagnitude]).map(Self.entry(from:))
        }
    }

    static func entry(from row: Row) throws -> LedgerEntry {
        let id: String = row["entry_id"]
        return LedgerEntry(
            entryId: id, provider: row["provider"], ticketId: row["ticket_id"], memberId: row["member_id"], kind: row["kind"],
            amount: try LedgerSchema.parseAmount(row["amount"], entryId: id), currency: row["currency"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), ref: row["ref"], eventId: row["event_id"],
            marketId: row["market_id"], specifiers: row["specifiers"])
    }

    // MARK: match

    /// Walks tickets and ledger entries together in ticket order (one pass, no query per
    /// ticket) and hands each group to `body`.
    public func forEachGroup(_ body: (Ticket?, [LedgerEntry]) throws -> Void) throws {
        try writer.read { db in
            let tickets = try Row.fetchCursor(db, sql: "SELECT * FROM tickets ORDER BY trans_id")
            let entries = try Row.fetchCursor(db, sql: "SELECT * FROM ledger WHERE provider = 'saba' ORDER BY ticket_id, entry_id")
            var nextTicket = try tickets.next().map(Self.ticket(from:))
            var nextEntry = try entries.next().map(Self.entry(from:))
            func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
            while nextTicket != nil || nextEntry != nil {
                let key: String
                switch (nextTicket, nextEntry) {
                case let (t?, e?): key = precedes(e.ticketId, t.transId) ? e.ticketId : t.transId
                case let (t?, nil): key = t.transId
                case let (nil, e?): key = e.ticketId
                default: return
                }
                var ticket: Ticket?
                if let t = nextTicket, t.transId == key {
                    ticket = t
                    nextTicket = try tickets.next().map(Self.ticket(from:))
                }
                var group: [LedgerEntry] = []
                while let e = nextEntry, e.ticketId == key {
                    group.append(e)
                    nextEntry = try entries.next().map(Self.entry(from:))
                }
                try body(ticket, group)
            }
        }
    }

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

    public func windowRecords() throws -> [WindowRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM windows ORDER BY start, settled").map { row in
                WindowRecord(index: row["idx"], settled: row["settled"], start: UTCTime.iso(Date(timeIntervalSince1970: row["start"])),
                             end: UTCTime.iso(Date(timeIntervalSince1970: row["end"])), isEdge: row["is_edge"], tickets: row["tickets"],
                             bytes: row["bytes"], attempts: row["attempts"], seconds: row["seconds"])
            }
        }
    }
}
