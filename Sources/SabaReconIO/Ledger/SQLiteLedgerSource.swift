import Foundation
import GRDB
import GRDBSQLite
import SabaReconCore

/// A ledger in a SQLite file, opened read-only: the job never writes to it.
public struct SQLiteLedgerSource: LedgerSource, LedgerRecordSource {
    public let path: String
    public let table: String
    private let database: DatabaseQueue

    public init(path: String, table: String = "ledger") throws {
        try LedgerSchema.checkTableName(table)
        guard FileManager.default.fileExists(atPath: path) else {
            throw LedgerError("ledger file not found: \(path)")
        }
        var config = Configuration()
        config.readonly = true
        config.label = "ledger"
        do {
            database = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw LedgerError("cannot open the ledger \(path): \(error)")
        }
        self.path = path
        self.table = table
    }

    public var displayName: String { "sqlite:\(path) table \(table)" }

    private static var empty: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }

    public func validate() throws {
        try database.read { db in
            guard try db.tableExists(table) || db.viewExists(table) else {
                throw LedgerError("ledger \(path) has no table or view '\(table)'")
            }
            let present = Set(try db.columns(in: table).map { $0.name.lowercased() })
            let missing = LedgerSchema.requiredColumns.filter { !present.contains($0) }
            guard missing.isEmpty else {
                throw LedgerError("ledger \(path) table '\(table)' is missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))")
            }
        }
    }

    /// A ticket's entries held to be put in entry_id order, at most: a real ticket has a
    /// handful. A longer run (or one of more than `maxGroupBytes`) is handed over as it
    /// came, and the staging's order check then sorts the whole ledger instead
    /// (`RunStore.stageLedger`).
    static let maxGroup = 4096
    static let maxGroupBytes = 4 << 20

    public func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws {
        try forEachRecord(provider: provider, since: since) { try body($0.entry()) }
    }

    func forEachRecord(provider: String, since: Date, _ body: (LedgerRecord) throws -> Void) throws {
        let range = try self.range()
        // The amount is read as text, which SQLite gives a REAL the way it prints it (15
        // significant digits, as CAST(... AS TEXT) would) and TEXT as written, so amounts
        // stay exact decimals. Ordered by ticket_id only: an index on (provider, ticket_id)
        // then gives the order with no sort in SQLite (whose sorter was a third of the read),
        // and each ticket's few entries are put in entry_id order here.
        let sql = """
            SELECT entry_id, provider, ticket_id, member_id, kind, amount, currency, created_at,
                   ref, event_id, market_id, specifiers
            FROM "\(table)" WHERE \(range.condition)
            ORDER BY ticket_id
            """
        // The rows are encoded straight from SQLite's buffers into records, a ticket's at a
        // time; a String is made only for an error message.
        let group = LedgerRecordBuffer()
        var views: [LedgerRecord] = []
        func handOver(keepingLast: Bool) throws {
            views.removeAll(keepingCapacity: true)
            for i in 0..<(group.count - (keepingLast ? 1 : 0)) { views.append(try group.record(i)) }
            if views.count > 1 { views.sort { ByteOrder.compare($0.entryId, $1.entryId) < 0 } }
            for r in views { try body(r) }
            views.removeAll(keepingCapacity: true)
            if keepingLast { group.keepLast() } else { group.removeAll() }
        }
        try database.read { db in
            let s = try RawStatement(db, sql: sql)
            s.bind(1, provider)
            range.bind(s, since)
            while try s.next(db) {
                guard let entryId = s.bytes(0) else { throw LedgerError("ledger \(path): a row has a NULL entry_id") }
                func name() -> String { String(decoding: entryId, as: UTF8.self) }
                let createdAt: Date
                // The type is asked before the text, which would convert a number in place.
                switch s.type(7) {
                case SQLITE_INTEGER, SQLITE_FLOAT:
                    createdAt = Date(timeIntervalSince1970: s.double(7))
                default:
                    guard let text = s.bytes(7), text.count > 0 else { throw LedgerError("ledger entry \(name()): created_at is empty") }
                    createdAt = try LedgerSchema.parseTime(text, entryId: name())
                }
                guard createdAt >= since else { continue }
                group.begin(amount: try LedgerSchema.parseAmount(s.bytes(5), entryId: name()), createdAt: createdAt)
                group.text(s.bytes(2) ?? Self.empty)
                group.text(entryId)
                group.text(provider)
                group.text(s.bytes(3) ?? Self.empty)
                if let kind = s.bytes(4), kind.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) {
                    group.text(String(decoding: kind, as: UTF8.self).lowercased())
                } else {
                    group.text(s.bytes(4) ?? Self.empty)
                }
                group.text(s.bytes(6) ?? Self.empty)
                group.text(s.bytes(8)); group.text(s.bytes(9)); group.text(s.bytes(10)); group.text(s.bytes(11))
                try group.end(entryId: name())
                let last = group.count - 1
                if last > 0, last >= Self.maxGroup || group.byteCount > Self.maxGroupBytes
                    || ByteOrder.compare(group.ticketId(last - 1), group.ticketId(last)) != 0 {
                    try handOver(keepingLast: true)
                }
            }
            try handOver(keepingLast: false)
            // The cached pages go back for the stages after (a read for another provider
            // reads what it needs again).
            db.releaseMemory()
        }
    }

    /// The lower bound in SQL for `created_at`'s declared type (its SQLite affinity), so an
    /// index on the column is used; rows are still checked against `since` in Swift.
    func range() throws -> SQLiteLedgerRange {
        let declared = try database.read { db in
            try db.columns(in: table).first { $0.name.lowercased() == "created_at" }?.type ?? ""
        }
        return SQLiteLedgerRange(declaredType: declared)
    }

    /// The statement a read runs, for EXPLAIN QUERY PLAN in tests.
    func explain(provider: String, since: Date) throws -> [String] {
        let range = try self.range()
        return try database.read { db in
            let s = try RawStatement(db, sql: "EXPLAIN QUERY PLAN SELECT entry_id FROM \"\(table)\" WHERE \(range.condition) ORDER BY ticket_id")
            s.bind(1, provider)
            range.bind(s, since)
            var lines: [String] = []
            while try s.next(db) { lines.append(s.string(3)) }
            return lines
        }
    }
}
