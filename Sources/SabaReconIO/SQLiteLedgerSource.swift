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

    public func forEachEntry(provider: String, _ body: (LedgerEntry) throws -> Void) throws {
        // CAST(... AS TEXT) reads a REAL the way SQLite printed it (15 significant digits)
        // and TEXT as written, so amounts stay exact decimals.
        let sql = """
            SELECT entry_id, provider, ticket_id, member_id, kind,
                   CAST(amount AS TEXT), currency,
                   CASE WHEN typeof(created_at) IN ('integer', 'real') THEN created_at END,
                   CASE WHEN typeof(created_at) = 'text' THEN created_at END,
                   ref, event_id, market_id, specifiers
            FROM "\(table)" WHERE provider = ?
            """
        try database.read { db in
            let rows = try Row.fetchCursor(db, sql: sql, arguments: [provider])
            while let row = try rows.next() {
                guard let entryId: String = row[0] else { throw LedgerError("ledger \(path): a row has a NULL entry_id") }
                let amount = try LedgerSchema.parseAmount(row[5], entryId: entryId)
                let createdAt = try LedgerSchema.parseTime(text: row[8], seconds: row[7], entryId: entryId)
                try body(LedgerEntry(
                    entryId: entryId, provider: row[1] ?? provider, ticketId: row[2] ?? "", memberId: row[3] ?? "",
                    kind: (row[4] as String?)?.lowercased() ?? "", amount: amount, currency: row[6] ?? "",
                    createdAt: createdAt, ref: row[9], eventId: row[10], marketId: row[11], specifiers: row[12]))
            }
        }
    }
}
