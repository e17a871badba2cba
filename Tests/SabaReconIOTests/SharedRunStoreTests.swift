import Foundation
import SabaReconCore
import Testing
import TestSupport
@testable import SabaReconIO

/// The shared run store's rules on a real PostgreSQL, one step at a time.
@Suite(.serialized) struct SharedRunStoreTests {
    static let now = UTCTime.parse("2026-07-20T12:00:00Z")!

    func record(_ id: String) throws -> RunRecord {
        let range = try WindowPlanner.dayRange(from: "2026-07-01", to: "2026-07-10")
        return RunRecord(runId: id, plan: try WindowPlanner().plan(range, now: Self.now, clamp: false), now: Self.now)
    }

    @Test func aRunsLifeFromClaimsToPruning() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let outcome: (joined: String, claims: Int, again: SharedRunStore.Call?, publishing: String?, early: Bool, state: SharedRunStore.RunState?, pruned: Int, left: [String]) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            let b = try SharedRunStore(url: url, worker: "b", lease: 30)
            defer { a.close(); b.close() }
            try a.migrate()
            try b.migrate()  // twice: nothing to do the second time
            let id = try a.createOrJoin(try record("R1"))
            let joined = try b.createOrJoin(try record("R2"))
            #expect(id == "R1")
            // Two workers claim different calls; nobody claims a held one.
            var claimed: [SharedRunStore.Call] = []
            while let c = try (claimed.count % 2 == 0 ? a : b).claimCall() { claimed.append(c) }
            let again = try a.claimCall()
            // Not publishable while calls are not done.
            let early = try a.claimPublishing() != nil
            for c in claimed {
                let t = Ticket(transId: "t\(c.window.index)\(c.settled)", memberId: "m", stake: 10, transTime: Self.now, status: TicketStatus("running"), currency: 3)
                try a.commit(c, tickets: [t, t], stats: FetchStats(tickets: 2, bytes: 10, attempts: 1, seconds: 0.1))
            }
            let publishing = try b.claimPublishing()?.runId
            try b.finish("R1", state: "done", exitStatus: 1, summary: "run R1: ...")
            let state = try a.state(of: "R1")
            let pruned = try a.prune(keep: 0)
            return (joined, claimed.count, again, publishing, early, state, pruned, try a.openRuns())
        }
        #expect(outcome.joined == "R1", "a second run of the same range joins the open one")
        #expect(outcome.claims == 6 && outcome.again == nil && !outcome.early)
        #expect(outcome.publishing == "R1")
        #expect(outcome.state == SharedRunStore.RunState(state: "done", exitStatus: 1, summary: "run R1: ..."))
        #expect(outcome.pruned == 1 && outcome.left.isEmpty)
    }

    @Test func anExpiredLeaseIsClaimedAgain() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let (first, second, heartbeat): (SharedRunStore.Call?, SharedRunStore.Call?, Bool) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 1)
            let b = try SharedRunStore(url: url, worker: "b", lease: 1)
            defer { a.close(); b.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("R1"))
            let first = try a.claimCall()
            // b takes every other call, then waits for a's lease to run out.
            while try b.claimCall() != nil {}
            Thread.sleep(forTimeInterval: 1.5)
            let second = try b.claimCall()
            return (first, second, try a.heartbeat(first!))
        }
        #expect(first != nil && first == second)
        #expect(!heartbeat, "the first worker's claim is gone")
    }
}

extension SharedRunStoreTests {
    @Test func aFailedRunIsOpenedAgainAndAFinishedOneIsNot() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let (reopened, refused): (String?, String) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("R1"))
            try a.finish("R1", state: "failed", exitStatus: 2, summary: "HTTP 503")
            try a.reopen("R1")
            let state = try a.state(of: "R1")?.state
            try a.finish("R1", state: "done", exitStatus: 0, summary: "ok")
            var message = ""
            do { try a.reopen("R1") } catch { message = "\(error)" }
            return (state, message)
        }
        #expect(reopened == "fetching")
        #expect(refused.contains("already finished"))
    }
}
