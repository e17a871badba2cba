import Foundation
import GRDB
import SabaReconCore

extension RunStore {
    /// Migration `tickets-v4-body`: a `run.sqlite` of an earlier version, with a column per
    /// field (a run killed before an upgrade, then resumed or re-matched), keeps its tickets:
    /// each row is read the way that version wrote it and staged again as a blob.
    static func moveTicketsIntoBodies(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE tickets RENAME TO tickets_v3;
            CREATE TABLE tickets (
                trans_id TEXT PRIMARY KEY NOT NULL,
                settlement_rank INTEGER NOT NULL,
                call_order INTEGER NOT NULL,
                body BLOB NOT NULL
            ) WITHOUT ROWID;
            """)
        let rows = try RawStatement(db, sql: """
            SELECT trans_id, member_id, event_id, bet_type, parlay_ticket_no, price, stake, trans_time, status, settlement_price,
                   currency, odds_type, cashout_enabled, already_cashout, cashout_price, settlement_time, max_payout, parlay_legs,
                   resettles, call_order
            FROM tickets_v3
            """)
        let stager = try TicketStager(db)
        while try rows.next(db) {
            try stager.stage(try ticketV3(rows), order: Int(rows.int(19)), in: db)
        }
        try db.execute(sql: "DROP TABLE tickets_v3")
    }

    /// A row of the column-per-field layout (money as INTEGER millionths or exact text).
    private static func ticketV3(_ s: RawStatement) throws -> Ticket {
        let id = s.string(0)
        guard let stake = s.money(6) else { throw RunStoreError("run store: ticket \(id) has no readable stake") }
        return Ticket(
            transId: id, memberId: s.string(1), eventId: s.optionalInt(2), betType: s.optionalInt(3),
            parlayTicketNo: s.text(4), price: s.money(5), stake: stake, transTime: Date(timeIntervalSince1970: s.double(7)),
            status: TicketStatus(s.string(8)), settlementPrice: s.money(9), currency: Int(s.int(10)), oddsType: s.optionalInt(11),
            cashoutEnabled: s.int(12) != 0, alreadyCashout: s.int(13) != 0, cashoutPrice: s.money(14),
            settlementTime: s.optionalDouble(15).map(Date.init(timeIntervalSince1970:)), maxPayOut: s.money(16),
            parlayLegs: Int(s.int(17)), resettles: try ResettleText.decode(s.text(18)))
    }
}
