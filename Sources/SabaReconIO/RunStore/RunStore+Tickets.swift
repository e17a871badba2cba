import Foundation
import GRDB
import SabaReconCore

extension RunStore {
    static let upsertSQL = """
        INSERT INTO tickets (trans_id, settlement_rank, member_id, event_id, bet_type, parlay_ticket_no, price, stake,
            trans_time, status, settlement_price, currency, odds_type, cashout_enabled, already_cashout, cashout_price,
            settlement_time, max_payout, parlay_legs, resettles, call_order)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(trans_id) DO UPDATE SET
            settlement_rank = excluded.settlement_rank, member_id = excluded.member_id, event_id = excluded.event_id,
            bet_type = excluded.bet_type, parlay_ticket_no = excluded.parlay_ticket_no, price = excluded.price,
            stake = excluded.stake, trans_time = excluded.trans_time, status = excluded.status,
            settlement_price = excluded.settlement_price, currency = excluded.currency, odds_type = excluded.odds_type,
            cashout_enabled = excluded.cashout_enabled, already_cashout = excluded.already_cashout,
            cashout_price = excluded.cashout_price, settlement_time = excluded.settlement_time,
            max_payout = excluded.max_payout, parlay_legs = excluded.parlay_legs, resettles = excluded.resettles,
            call_order = excluded.call_order
        """ + " " + MoreSettledWins.condition(table: "tickets")

    /// Stages tickets through one prepared upsert (the more settled version of a transId wins).
    struct TicketStager {
        let statement: RawStatement

        init(_ db: Database) throws { statement = try RawStatement(db, sql: RunStore.upsertSQL) }

        /// `order`: the plan order of the call it came from (0 outside a fetch).
        func stage(_ t: Ticket, order: Int = 0, in db: Database) throws {
            let s = statement
            s.bind(1, t.transId)
            s.bind(2, t.settlementOrder)
            s.bind(3, t.memberId)
            s.bind(4, t.eventId)
            s.bind(5, t.betType)
            s.bind(6, t.parlayTicketNo)
            s.bind(7, t.price)
            s.bind(8, t.stake)
            s.bind(9, t.transTime.timeIntervalSince1970)
            s.bind(10, t.status.description)
            s.bind(11, t.settlementPrice)
            s.bind(12, t.currency)
            s.bind(13, t.oddsType)
            s.bind(14, t.cashoutEnabled)
            s.bind(15, t.alreadyCashout)
            s.bind(16, t.cashoutPrice)
            s.bind(17, t.settlementTime?.timeIntervalSince1970)
            s.bind(18, t.maxPayOut)
            s.bind(19, t.parlayLegs)
            s.bind(20, t.resettles.isEmpty ? nil : ResettleText.encode(t.resettles))
            s.bind(21, Int64(order))
            try s.execute(db)
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
