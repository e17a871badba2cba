import Foundation
import GRDB
import SabaReconCore

/// Calls fetched together, staged by the one writer of `run.sqlite`: one open transaction
/// that commits each time a call completes (so a kill loses only the calls in flight).
extension RunStore: ConcurrentCallStore {
    public func staging(_ body: (any CallSink) throws -> Void) throws {
        try tickets.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            do {
                try body(RollingSink(db: db, stager: try TicketStager(db)))
                try db.execute(sql: "COMMIT")
                // The staging's cached pages go back: the walk reads the table once, in key order.
                db.releaseMemory()
            } catch {
                if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                throw error
            }
        }
    }

    struct RollingSink: CallSink {
        let db: Database
        let stager: TicketStager

        func stage(_ ticket: Ticket, of call: FetchCall) throws {
            try stager.stage(ticket, order: call.planOrder, in: db)
        }

        func commit(_ call: FetchCall, stats: FetchStats) throws {
            try RunStore.markDone(call, stats: stats, in: db)
            try db.execute(sql: "COMMIT")
            try db.execute(sql: "BEGIN IMMEDIATE")
        }
    }
}
