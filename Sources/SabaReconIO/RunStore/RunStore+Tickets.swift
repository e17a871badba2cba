import Foundation
import GRDB
import SabaReconCore

extension RunStore {
    static let upsertSQL = """
        INSERT INTO tickets (trans_id, settlement_rank, call_order, body) VALUES (?, ?, ?, ?)
        ON CONFLICT(trans_id) DO UPDATE SET
            settlement_rank = excluded.settlement_rank, call_order = excluded.call_order, body = excluded.body
        """ + " " + MoreSettledWins.condition(table: "tickets")

    /// Stages tickets through one prepared upsert (the more settled version of a transId wins).
    final class TicketStager {
        let statement: RawStatement
        /// The blob being bound, reused from ticket to ticket.
        private var body: [UInt8] = []

        init(_ db: Database) throws {
            statement = try RawStatement(db, sql: RunStore.upsertSQL)
            body.reserveCapacity(512)
        }

        /// `order`: the plan order of the call it came from (0 outside a fetch).
        func stage(_ t: Ticket, order: Int = 0, in db: Database) throws {
            let s = statement
            TicketRecord.encode(t, into: &body)
            s.bind(1, t.transId)
            s.bind(2, t.settlementOrder)
            s.bind(3, Int64(order))
            try body.withUnsafeBytes { b in
                // Bound without a copy: the statement runs, and lets go of it, before the buffer changes.
                s.bind(4, blob: b)
                defer { s.bind(4, nil as Int64?) }
                try s.execute(db)
            }
        }
    }

    /// Stages tickets outside a fetch (a publisher's copy from the shared store, tests), in one
    /// transaction; `order`: the plan order of the call they came from.
    public func stage(_ list: [Ticket], order: Int = 0) throws {
        try tickets.write { db in
            let stager = try TicketStager(db)
            for t in list { try stager.stage(t, order: order, in: db) }
        }
    }

    /// Runs one call's fetch in a transaction: its tickets and its `windows` row land
    /// together, so a killed run never counts a half-staged call as done.
    public func stage(_ call: FetchCall, fetch: (_ stage: (Ticket) throws -> Void) throws -> FetchStats) throws -> FetchStats {
        try tickets.write { db in
            let stager = try TicketStager(db)
            let order = call.planOrder
            let stats = try fetch { try stager.stage($0, order: order, in: db) }
            try Self.markDone(call, stats: stats, in: db)
            return stats
        }
    }

    static func markDone(_ call: FetchCall, stats: FetchStats, in db: Database) throws {
        let window = call.window
        try db.execute(sql: """
            INSERT OR REPLACE INTO windows (idx, settled, start, "end", is_edge, tickets, bytes, attempts, seconds)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [window.index, call.kind.isSettled, window.start.timeIntervalSince1970, window.end.timeIntervalSince1970,
                             window.isEdge, stats.tickets, stats.bytes, stats.attempts, stats.seconds])
    }
}
