import Foundation
import GRDB
import SabaReconCore

/// A ledger in a SQLite file, opened read-only: the job never writes to it.
public struct SQLiteLedgerSource: LedgerSource {
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
    /// handful. A longer run is handed over as it came, and the staging's order check
    /// then sorts the whole ledger instead (`RunStore.stageLedger`).
    static let maxGroup = 4096

    public func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws {
        let range = try self.range()
        // CAST(... AS TEXT) reads a REAL the way SQLite printed it (15 significant digits)
        // and TEXT as written, so amounts stay exact decimals. Ordered by ticket_id only: an
        // index on (provider, ticket_id) then gives the order with no sort in SQLite (whose
        // sorter was a third of the read), and each ticket's few entries are put in entry_id
        // order here.
        let sql = """
            SELECT entry_id, provider, ticket_id, member_id, kind,
                   CAST(amount AS TEXT), currency, typeof(created_at), created_at,
                   ref, event_id, market_id, specifiers
            FROM "\(table)" WHERE \(range.condition)
            ORDER BY ticket_id
            """
        var group: [LedgerEntry] = []
        func handOver() throws {
            if group.count > 1 { group.sort { ByteOrder.precedes($0.entryId, $1.entryId) } }
            for e in group { try body(e) }
            group.removeAll(keepingCapacity: true)
        }
        try database.read { db in
            let s = try RawStatement(db, sql: sql)
            s.bind(1, provider)
            range.bind(s, since)
            while try s.next(db) {
                guard let entryId = s.text(0) else { throw LedgerError("ledger \(path): a row has a NULL entry_id") }
                let createdAt: Date
                switch s.bytes(7).map({ String(decoding: $0, as: UTF8.self) }) {
                case "integer", "real":
                    createdAt = Date(timeIntervalSince1970: s.double(8))
                default:
                    guard let text = s.bytes(8), text.count > 0 else { throw LedgerError("ledger entry \(entryId): created_at is empty") }
                    createdAt = try LedgerSchema.parseTime(text, entryId: entryId)
                }
                guard createdAt >= since else { continue }
                let e = LedgerEntry(
                    entryId: entryId, provider: s.text(1) ?? provider, ticketId: s.string(2), memberId: s.string(3),
                    kind: Self.lowercased(s.bytes(4)), amount: try LedgerSchema.parseAmount(s.bytes(5), entryId: entryId),
                    currency: s.string(6), createdAt: createdAt, ref: s.text(9), eventId: s.text(10),
                    marketId: s.text(11), specifiers: s.text(12))
                if let last = group.last, !ByteOrder.equal(last.ticketId, e.ticketId) || group.count >= Self.maxGroup {
                    try handOver()
                }
                group.append(e)
            }
            try handOver()
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

    /// `kind` compared in lower case; already lower case (the usual) costs no copy.
    static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>?) -> String {
        guard let bytes else { return "" }
        let text = String(decoding: bytes, as: UTF8.self)
        return bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) ? text.lowercased() : text
    }
}
