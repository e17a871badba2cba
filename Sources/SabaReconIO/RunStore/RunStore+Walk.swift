import Foundation
import GRDB
import SabaReconCore

extension RunStore {
    static let ledgerColumns = "entry_id, provider, ticket_id, member_id, kind, amount, currency, created_at, ref, event_id, market_id, specifiers"

    static func entry(_ s: RawStatement) throws -> LedgerEntry {
        let id = s.string(0)
        guard let amount = s.money(5) else { throw RunStoreError("run store: ledger entry \(id) has no readable amount") }
        return LedgerEntry(
            entryId: id, provider: s.string(1), ticketId: s.string(2), memberId: s.string(3), kind: s.string(4),
            amount: amount, currency: s.string(6), createdAt: Date(timeIntervalSince1970: s.double(7)), ref: s.text(8),
            eventId: s.text(9), marketId: s.text(10), specifiers: s.text(11))
    }

    /// The ticket id that splits the staged tickets in two halves of equal count (nil when
    /// fewer than two), so two threads can walk one half each.
    public func median() throws -> String? {
        try tickets.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tickets") ?? 0
            guard count >= 2 else { return nil }
            return try String.fetchOne(db, sql: "SELECT trans_id FROM tickets ORDER BY trans_id LIMIT 1 OFFSET ?", arguments: [count / 2])
        }
    }

    /// Walks the staged tickets and the staged Saba ledger entries together in ticket order
    /// (sequential reads of the tickets and of the spool, or of the `ledger` table when the
    /// entries went there; no query per ticket) and hands each group to `body`; with bounds,
    /// only ticket ids in [from, below). Returns a SHA-256 over the walked tickets (transId,
    /// settlement order, status, stake).
    @discardableResult
    public func forEachGroup(from lower: String? = nil, below upper: String? = nil, _ body: (Ticket?, [LedgerEntry]) throws -> Void) throws -> String {
        switch spool.current {
        case .ordered(let index):
            let reader = try LedgerSpoolReader(spool, index: index, from: lower, below: upper)
            return try forEachGroup(from: lower, below: upper, entries: { try reader.next() }, body)
        case .failed:
            throw RunStoreError("run store: the ledger's staging failed part-way; there is no ledger to match against")
        case .empty, .unordered:
            break
        }
        return try ledger.read { ldb in
            let entryRows = try RawStatement(ldb, sql: """
                SELECT \(Self.ledgerColumns) FROM ledger WHERE provider = 'saba' AND ticket_id >= ?1 AND (?2 IS NULL OR ticket_id < ?2)
                ORDER BY ticket_id, entry_id
                """)
            entryRows.bind(1, lower ?? "")
            entryRows.bind(2, upper)
            let digest = try forEachGroup(from: lower, below: upper, entries: {
                guard try entryRows.next(ldb) else { return nil }
                return try Self.entry(entryRows)
            }, body)
            ldb.releaseMemory()
            return digest
        }
    }

    /// The walk over the staged tickets and `entries` (in ticket order, within the bounds).
    private func forEachGroup(from lower: String?, below upper: String?, entries nextEntry: () throws -> LedgerEntry?,
                              _ body: (Ticket?, [LedgerEntry]) throws -> Void) throws -> String {
        try tickets.read { tdb in
            let ticketRows = try RawStatement(tdb, sql: "SELECT trans_id, settlement_rank, body FROM tickets WHERE trans_id >= ?1 AND (?2 IS NULL OR trans_id < ?2) ORDER BY trans_id")
            ticketRows.bind(1, lower ?? "")
            ticketRows.bind(2, upper)
            var hasher = RowDigest()
            func nextTicket() throws -> Ticket? {
                guard try ticketRows.next(tdb) else { return nil }
                let t = try TicketRecord.decode(transId: ticketRows.string(0), ticketRows.blob(2))
                hasher.add(t, order: ticketRows.int(1))
                return t
            }
            var ticket = try nextTicket()
            var entry = try nextEntry()
            var group: [LedgerEntry] = []
            // Keys compared through `?.`, groups filled by `take()`: a Ticket or an entry is
            // moved, never copied (a copy of either retains every text in it).
            while ticket != nil || entry != nil {
                // Byte order, as SQLite's BINARY collation sorted the tickets (and the spool was checked to be).
                let key: String
                if let t = ticket?.transId {
                    if let e = entry?.ticketId, ByteOrder.precedes(e, t) { key = e } else { key = t }
                } else {
                    key = entry?.ticketId ?? ""
                }
                var current: Ticket?
                if let t = ticket?.transId, ByteOrder.equal(t, key) {
                    current = ticket.take()
                    ticket = try nextTicket()
                }
                group.removeAll(keepingCapacity: true)
                while let e = entry?.ticketId, ByteOrder.equal(e, key) {
                    if let moved = entry.take() { group.append(moved) }
                    entry = try nextEntry()
                }
                try body(current, group)
            }
            // Walked once: the page cache's memory goes back for the reports.
            tdb.releaseMemory()
            return hasher.finish()
        }
    }
}

extension RowDigest {
    /// One staged ticket: transId, settlement order, status, stake.
    mutating func add(_ t: Ticket, order: Int64) {
        field(t.transId); field(order); field(t.status.description); field(t.stake.units)
        endRow()
    }
}
