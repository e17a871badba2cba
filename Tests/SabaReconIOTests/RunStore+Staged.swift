import GRDB
import SabaReconCore
@testable import SabaReconIO

extension RunStore {
    /// Every staged ticket, by transId, with the plan order of the call its kept version came from.
    func stagedTickets() throws -> [(ticket: Ticket, callOrder: Int)] {
        try tickets.read { db in
            let s = try RawStatement(db, sql: "SELECT trans_id, call_order, body FROM tickets ORDER BY trans_id")
            var out: [(Ticket, Int)] = []
            while try s.next(db) { out.append((try TicketRecord.decode(transId: s.string(0), s.blob(2)), Int(s.int(1)))) }
            return out
        }
    }
}
