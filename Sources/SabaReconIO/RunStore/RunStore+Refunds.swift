import Foundation
import GRDB
import SabaReconCore

/// The refund judge's indexed lookups in the staged ledger.
extension RunStore {
    func entries(sql: String, _ bind: (RawStatement) -> Void) throws -> [LedgerEntry] {
        try ledger.read { db in
            let s = try RawStatement(db, sql: sql)
            bind(s)
            var out: [LedgerEntry] = []
            while try s.next(db) { out.append(try Self.entry(s)) }
            return out
        }
    }

    /// Entries of one provider with this `ref` (eBET refunds are keyed by their seqNo).
    public func entries(provider: String, ref: String) throws -> [LedgerEntry] {
        try entries(sql: "SELECT \(Self.ledgerColumns) FROM ledger WHERE provider = ? AND ref = ? ORDER BY entry_id") {
            $0.bind(1, provider); $0.bind(2, ref)
        }
    }

    /// Entries of one provider's ticket (JDB transferId, feed bet id).
    public func entries(provider: String, ticketId: String) throws -> [LedgerEntry] {
        try entries(sql: "SELECT \(Self.ledgerColumns) FROM ledger WHERE provider = ? AND ticket_id = ? ORDER BY entry_id") {
            $0.bind(1, provider); $0.bind(2, ticketId)
        }
    }

    /// `bet` entries of a provider on one event, optionally within [from, to].
    public func bets(provider: String, eventId: String, from: Date?, to: Date?) throws -> [LedgerEntry] {
        try entries(sql: """
            SELECT \(Self.ledgerColumns) FROM ledger WHERE provider = ? AND event_id = ? AND kind = 'bet' AND created_at >= ? AND created_at <= ?
            ORDER BY created_at, entry_id
            """) {
            $0.bind(1, provider); $0.bind(2, eventId)
            $0.bind(3, from?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude)
            $0.bind(4, to?.timeIntervalSince1970 ?? Double.greatestFiniteMagnitude)
        }
    }
}
