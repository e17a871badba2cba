import Foundation
import GRDB
import SabaReconCore

/// Creates a ledger file in the canonical layout (SPEC 1.3): the demo's ledger and test
/// fixtures. The reconciliation itself never writes to a ledger.
public enum SQLiteLedgerWriter {
    public static let createSQL = """
        CREATE TABLE ledger (
            entry_id   TEXT PRIMARY KEY NOT NULL,
            provider   TEXT NOT NULL,
            ticket_id  TEXT NOT NULL,
            member_id  TEXT NOT NULL,
            kind       TEXT NOT NULL,
            amount     TEXT NOT NULL,
            currency   TEXT NOT NULL,
            created_at TEXT NOT NULL,
            ref        TEXT,
            event_id   TEXT,
            market_id  TEXT,
            specifiers TEXT
        );
        CREATE INDEX ledger_ticket ON ledger(provider, ticket_id);
        """

    /// Replaces `path` with a ledger holding `entries` (amounts as exact decimal text).
    public static func write(_ entries: [LedgerEntry], to path: String, table: String = "ledger") throws {
        try LedgerSchema.checkTableName(table)
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: createSQL.replacingOccurrences(of: "TABLE ledger", with: "TABLE \"\(table)\"")
                .replacingOccurrences(of: "ON ledger(", with: "ON \"\(table)\"("))
            let statement = try db.makeStatement(sql: "INSERT INTO \"\(table)\" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for e in entries {
                try statement.execute(arguments: [e.entryId, e.provider, e.ticketId, e.memberId, e.kind,
                                                  Money.format(e.amount), e.currency, UTCTime.iso(e.createdAt),
                                                  e.ref, e.eventId, e.marketId, e.specifiers])
            }
        }
        try queue.close()
    }
}
