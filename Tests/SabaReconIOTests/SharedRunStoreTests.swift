import Foundation
import GRDB
import SabaReconCore
import Testing
import TestSupport
@testable import SabaReconIO

/// The shared run store's rules on a real PostgreSQL, one step at a time.
@Suite(.serialized) struct SharedRunStoreTests {
    static let now = UTCTime.parse("2026-07-20T12:00:00Z")!

    func record(_ id: String, from: String = "2026-07-01", to: String = "2026-07-10") throws -> RunRecord {
        let range = try WindowPlanner.dayRange(from: from, to: to)
        return RunRecord(runId: id, plan: try WindowPlanner().plan(range, now: Self.now, clamp: false), now: Self.now)
    }

    @Test func aRunsLifeFromClaimsToPruning() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let outcome: (joined: String, claims: Int, firstRound: [Bool], again: SharedRunStore.Call?, publishing: String?, early: Bool, state: SharedRunStore.StoredRun?, pruned: Int, left: [String]) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            let b = try SharedRunStore(url: url, worker: "b", lease: 30)
            defer { a.close(); b.close() }
            try a.migrate()
            try b.migrate()  // twice: nothing to do the second time
            let id = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let joined = try b.createOrJoin(try record("20260720T120000Z-0002"))
            #expect(id == "20260720T120000Z-0001")
            // Two workers claim different calls; nobody claims a held one, nor a window's
            // settled call before its unsettled call is done (FetchCall.follows).
            var claimed: [SharedRunStore.Call] = []
            while let c = try (claimed.count % 2 == 0 ? a : b).claimCall() { claimed.append(c) }
            let firstRound = claimed.map(\.settled)
            let again = try a.claimCall()
            // Not publishable while calls are not done.
            let early = try a.claimPublishing() != nil
            func commitAll(_ calls: [SharedRunStore.Call]) throws {
                for (i, c) in calls.enumerated() {
                    let t = Ticket(transId: "t\(c.window.index)\(c.settled)", memberId: "m", stake: 10, transTime: Self.now, status: TicketStatus("running"), currency: 3)
                    // Each by the worker that holds it: a commit checks the claim.
                    try (i % 2 == 0 ? a : b).commit(c, tickets: [t, t], stats: FetchStats(tickets: 2, bytes: 10, attempts: 1, seconds: 0.1))
                }
            }
            try commitAll(claimed)
            // The settled calls now.
            var settled: [SharedRunStore.Call] = []
            while let c = try (settled.count % 2 == 0 ? a : b).claimCall() { settled.append(c) }
            try commitAll(settled)
            claimed += settled
            let publishing = try b.claimPublishing()?.runId
            try b.finish("20260720T120000Z-0001", state: .done, exitStatus: 1, summary: "run 20260720T120000Z-0001: ...", result: Self.found)
            let state = try a.state(of: "20260720T120000Z-0001")
            let pruned = try a.prune(keep: 0)
            return (joined, claimed.count, firstRound, again, publishing, early, state, pruned, try a.openRuns())
        }
        #expect(outcome.joined == "20260720T120000Z-0001", "a second run of the same range joins the open one")
        #expect(outcome.claims == 6 && outcome.again == nil && !outcome.early)
        #expect(outcome.firstRound == [false, false, false], "only the unsettled calls go first")
        #expect(outcome.publishing == "20260720T120000Z-0001")
        #expect(outcome.state == SharedRunStore.StoredRun(state: .done, exitStatus: 1, summary: "run 20260720T120000Z-0001: ...", result: Self.found))
        #expect(outcome.pruned == 1 && outcome.left.isEmpty)
    }

    /// A publisher's findings, as a waiting process reads them back.
    static let found = RunMetrics.Result(ticketsStaged: 12, ledgerEntries: 30, pending: 1, judged: 11,
                                         discrepancies: [.init(kind: "net_mismatch", currency: "THB", count: 2)],
                                         breaks: ["new": 1, "open": 1, "resolved": 3], oldestOpenBreakDays: 4)

    /// A run whose calls are all done is left to its creator (who read the ledger ahead) until
    /// another worker says it is due (`PublishingGrace`); a store caller that names no run takes any.
    @Test func aReadyRunIsLeftToItsCreatorUntilAnotherWorkerSaysItIsDue() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let outcome: (ofOthersA: [String], ofOthersB: [String], bNotDue: String?, bDue: String?, aOwn: String?, any: String?) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            let b = try SharedRunStore(url: url, worker: "b", lease: 30)
            let c = try SharedRunStore(url: url, worker: "c", lease: 30)
            defer { a.close(); b.close(); c.close() }
            try a.migrate()
            let id = try a.createOrJoin(try record("20260720T120000Z-0003"))
            let early = try b.readyRunsOfOthers()
            #expect(early.isEmpty, "not ready while calls are not done")
            while let call = try b.claimCall() {
                try b.commit(call, tickets: [], stats: FetchStats(tickets: 0, bytes: 2, attempts: 1, seconds: 0.1))
            }
            let ofOthersA = try a.readyRunsOfOthers(), ofOthersB = try b.readyRunsOfOthers()
            let bNotDue = try b.claimPublishing(othersDue: [])?.runId
            let bDue = try b.claimPublishing(othersDue: [id])?.runId
            // Another run, claimed by its creator with no other run due, and by a caller naming none.
            let second = try c.createOrJoin(try record("20260720T120000Z-0004", from: "2026-06-01", to: "2026-06-05"))
            while let call = try b.claimCall() {
                try b.commit(call, tickets: [], stats: FetchStats(tickets: 0, bytes: 2, attempts: 1, seconds: 0.1))
            }
            let aOwn = try a.claimPublishing(othersDue: [])?.runId
            let any = try a.claimPublishing()?.runId
            #expect(second == "20260720T120000Z-0004")
            return (ofOthersA, ofOthersB, bNotDue, bDue, aOwn, any)
        }
        #expect(outcome.ofOthersA.isEmpty && outcome.ofOthersB == ["20260720T120000Z-0003"])
        #expect(outcome.bNotDue == nil, "left to its creator")
        #expect(outcome.bDue == "20260720T120000Z-0003", "taken once due")
        #expect(outcome.aOwn == nil, "a has no run of its own left, and c's is not due for a")
        #expect(outcome.any == "20260720T120000Z-0004", "a caller naming no run takes any")
    }

    /// The process that resumes a run reads it ahead, so publishing is left to it first (its
    /// creator may be the process that died).
    @Test func aResumingProcessIsLeftThePublishingFirst() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let outcome: (ofOthersA: [String], ofOthersB: [String]) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            let b = try SharedRunStore(url: url, worker: "b", lease: 30)
            defer { a.close(); b.close() }
            try a.migrate()
            let id = try a.createOrJoin(try record("20260720T120000Z-0005"))
            try b.reopen(id)
            while let call = try a.claimCall() {
                try a.commit(call, tickets: [], stats: FetchStats(tickets: 0, bytes: 2, attempts: 1, seconds: 0.1))
            }
            return (try a.readyRunsOfOthers(), try b.readyRunsOfOthers())
        }
        #expect(outcome.ofOthersA == ["20260720T120000Z-0005"], "a created it, b resumed it: a waits")
        #expect(outcome.ofOthersB.isEmpty)
    }

    @Test func anExpiredLeaseIsClaimedAgain() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let (first, second, heartbeat): (SharedRunStore.Call?, SharedRunStore.Call?, Bool) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 1)
            let b = try SharedRunStore(url: url, worker: "b", lease: 1)
            defer { a.close(); b.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
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
        let (url, db) = try pg.makeDatabase()
        let (reopened, refused): (RunState?, String) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            try a.finish("20260720T120000Z-0001", state: .failed, exitStatus: 2, summary: "HTTP 503")
            try a.reopen("20260720T120000Z-0001")
            let state = try a.state(of: "20260720T120000Z-0001")?.state
            // Only a publisher records done (the claim is checked): a finished run, made by hand here.
            #expect(try a.finish("20260720T120000Z-0001", state: .done, exitStatus: 0, summary: "ok") == false)
            try pg.psql("UPDATE saba_recon.runs SET state = 'done' WHERE run_id = '20260720T120000Z-0001'", database: db)
            var message = ""
            do { try a.reopen("20260720T120000Z-0001") } catch { message = "\(error)" }
            return (state, message)
        }
        #expect(reopened == .fetching)
        #expect(refused.contains("already finished"))
    }
}

/// SPEC §6 and §7: the store is trusted no further than the files, and a claim is checked
/// where it matters, in the transaction that uses it.
extension SharedRunStoreTests {
    static func ticket(_ id: String) -> Ticket {
        Ticket(transId: id, memberId: "m", stake: 10, transTime: now, status: TicketStatus("running"), currency: 3)
    }

    @Test func aCommitAfterTheClaimWasLostIsRefusedAndStoresNothing() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let (lost, leftBehind, heartbeat): (String, String, Bool) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            let b = try SharedRunStore(url: url, worker: "b", lease: 30)
            defer { a.close(); b.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let call = try #require(try a.claimCall())
            // a stalls past its lease; b takes the window over.
            try pg.psql("UPDATE saba_recon.calls SET lease_until = now() - interval '1 second'", database: db)
            let taken = try #require(try b.claimCall())
            #expect(taken == call)
            var message = ""
            do { try a.commit(call, tickets: [Self.ticket("stale")], stats: FetchStats(tickets: 1, bytes: 1, attempts: 1, seconds: 0)) } catch { message = "\(error)" }
            let left = try pg.storedTransIds(database: db)
            let heartbeat = try a.heartbeat(call)
            try b.commit(taken, tickets: [Self.ticket("fresh")], stats: FetchStats(tickets: 1, bytes: 1, attempts: 1, seconds: 0))
            // b's answer lost with its connection: committing again is harmless, not a second write.
            try b.commit(taken, tickets: [Self.ticket("fresh")], stats: FetchStats(tickets: 1, bytes: 1, attempts: 1, seconds: 0))
            return (message, left, heartbeat)
        }
        #expect(lost.contains("lost the claim") && lost.contains("its lease ran out"), "\(lost)")
        // What a fetched for the call it lost is not stored.
        #expect(leftBehind == "" && !heartbeat)
        #expect(try pg.storedTransIds(database: db) == "fresh")
        #expect(try pg.psqlValue("SELECT done_by FROM saba_recon.calls WHERE done", database: db) == "b")
    }

    @Test(arguments: ["latest", "..", "../elsewhere", "20260720T120000Z-00/1", "R1"])
    func aRunIdThisJobDoesNotMakeIsNeverPublished(id: String) async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let json = String(decoding: try JSONEncoder().encode(try record(id)), as: UTF8.self).replacingOccurrences(of: "'", with: "''")
        let message: String = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            // Planted: a run with no calls is publishable at once.
            try pg.psql("INSERT INTO saba_recon.runs (run_id, range_start, range_end, record, created_by) VALUES ('\(id.replacingOccurrences(of: "'", with: "''"))', 1, 2, '\(json)', 'x')", database: db)
            do { _ = try a.claimPublishing(); return "" } catch { return "\(error)" }
        }
        #expect(message.contains("not a run id this job makes"), "\(message)")
        #expect(try pg.psqlValue("SELECT state FROM saba_recon.runs", database: db) == "failed")
    }

    @Test func aSchemaAnotherRoleOwnsIsRefused() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let role = "other_\(UInt32.random(in: 0...UInt32.max))"
        try pg.psql("CREATE ROLE \(role); CREATE SCHEMA saba_recon AUTHORIZATION \(role);", database: db)
        let message: String = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            do { try a.migrate(); return "" } catch { return "\(error)" }
        }
        #expect(message.contains("the schema saba_recon is owned by role \(role), not by postgres"), "\(message)")
        #expect(try pg.psqlValue("SELECT count(*) FROM pg_tables WHERE schemaname = 'saba_recon'", database: db) == "0")
    }

    @Test func theMigrationLockIsWaitedForABoundedTime() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let (message, seconds): (String, TimeInterval) = try await blocking {
            let holder = try SharedRunStore(url: url, worker: "holder", lease: 30)
            defer { holder.close() }
            try holder.sync("hold the lock") { [holder] in
                let c = try await holder.connection(0)
                for try await _ in try await c.query("SELECT pg_advisory_lock(727172)", logger: holder.logger) {}
            }
            // This database's migration lock only: other tests' databases take theirs, and the break book's, meanwhile.
            let held = try pg.psqlValue("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = 727172 AND database = (SELECT oid FROM pg_database WHERE datname = '\(db)')")
            #expect(held == "1", "the holder holds the lock")
            let waiter = try SharedRunStore(url: url, worker: "waiter", lease: 30, migrationLockTimeout: 1)
            defer { waiter.close() }
            let started = Date()
            do { try waiter.migrate(); return ("", 0) } catch { return ("\(error)", Date().timeIntervalSince(started)) }
        }
        #expect(message.contains("held the migration lock for more than 1 s"), "\(message)")
        #expect(seconds < 10)
    }

    @Test func aConnectionCutMidTransactionIsRetried() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let (count, cut): (Int, Bool) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let call = try #require(try a.claimCall())
            // A slow insert, ended by the server while it runs (a failover, an admin): 57P01.
            try pg.slowTicketInserts(database: db)
            final class Cut: @unchecked Sendable { var done = false }
            let flag = Cut()
            let killer = Thread {
                for _ in 0..<100 where !flag.done {
                    if pg.terminateTicketInserts(database: db) { flag.done = true }
                    usleep(50_000)
                }
            }
            killer.start()
            try a.commit(call, tickets: [Self.ticket("t1")], stats: FetchStats(tickets: 1, bytes: 1, attempts: 1, seconds: 0))
            return (try a.openRuns().count, flag.done)
        }
        #expect(cut, "the insert was never cut")
        #expect(count == 1)
        #expect(try pg.psqlValue("SELECT count(*) FROM saba_recon.calls WHERE done", database: db) == "1")
        #expect(try pg.storedTransIds(database: db) == "t1")
    }

    @Test func aNULInATicketTextIsStoredAndReadBack() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let back: [Ticket] = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let call = try #require(try a.claimCall())
            var t = Self.ticket("t\u{0}1")
            t.memberId = "m\u{0}\\0x"
            // PostgreSQL's text refuses NUL (22021): one outsider's field failed the whole run.
            try a.commit(call, tickets: [t, Self.ticket("t2")], stats: FetchStats(tickets: 2, bytes: 1, attempts: 1, seconds: 0))
            var out: [Ticket] = []
            try a.forEachTicketBatch(of: "20260720T120000Z-0001") { batch, _ in out.append(contentsOf: batch) }
            return out
        }
        #expect(Set(back.map(\.transId)) == ["t\u{0}1", "t2"])
        #expect(back.first { $0.transId == "t\u{0}1" }?.memberId == "m\u{0}\\0x")
    }

    @Test func onlyThePublisherRecordsTheRunsFailureWhilePublishing() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let (recorded, state): (Bool, RunState?) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            let b = try SharedRunStore(url: url, worker: "b", lease: 30)
            defer { a.close(); b.close() }
            try a.migrate()
            try pg.psql("INSERT INTO saba_recon.runs (run_id, range_start, range_end, record, created_by) VALUES ('20260720T120000Z-0001', 1, 2, '\(String(decoding: try JSONEncoder().encode(try record("20260720T120000Z-0001")), as: UTF8.self))', 'x')", database: db)
            _ = try #require(try b.claimPublishing())
            // a lost its publishing claim to b: its failure must not fail the run b publishes.
            let recorded = try a.finish("20260720T120000Z-0001", state: .failed, exitStatus: 2, summary: "a gave up")
            return (recorded, try a.state(of: "20260720T120000Z-0001")?.state)
        }
        #expect(!recorded && state == .publishing)
    }

    @Test func aLargeCallIsStoredInBatchesAndTheMoreSettledVersionWinsAcrossThem() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let call = try #require(try a.claimCall())
            _ = try a.stage(call) { stage in
                // 4,500 tickets: three chunks. "d" first running, settled two batches later; "e"
                // twice at the same rank in one call (the last staged wins), "w" settled then running (settled stays).
                var settled = Self.ticket("w"); settled.status = TicketStatus("won")
                var later = Self.ticket("d"); later.status = TicketStatus("lose")
                var first = Self.ticket("e"); first.memberId = "first"
                var second = Self.ticket("e"); second.memberId = "second"
                try stage(Self.ticket("d")); try stage(settled); try stage(first)
                for i in 0..<4_494 { try stage(Self.ticket("t\(i)")) }
                try stage(later); try stage(second); try stage(Self.ticket("w"))
                return FetchStats(tickets: 4_500, bytes: 1, attempts: 1, seconds: 0)
            }
            var back: [String: Ticket] = [:]
            try a.forEachTicketBatch(of: "20260720T120000Z-0001") { batch, _ in for t in batch { back[t.transId] = t } }
            #expect(back.count == 4_497)
            #expect(back["d"]?.status == TicketStatus("lose"))
            #expect(back["w"]?.status == TicketStatus("won"))
            #expect(back["e"]?.memberId == "second")
            // Read back in small pages and batches: each ticket once, whatever the paging.
            var paged: [String] = []
            var sizes: [Int] = []
            try a.forEachTicketBatch(of: "20260720T120000Z-0001", batchSize: 300, chunksPerPage: 1) { batch, _ in
                sizes.append(batch.count)
                paged.append(contentsOf: batch.map(\.transId))
            }
            #expect(paged.count == 4_497 && Set(paged).count == 4_497)
            #expect(sizes.allSatisfy { $0 <= 300 } && sizes.count >= 15)
            // The consumer's failure stops the reader and is what the caller sees.
            struct Stop: Error {}
            var seen = 0
            #expect(throws: Stop.self) {
                try a.forEachTicketBatch(of: "20260720T120000Z-0001", batchSize: 100, chunksPerPage: 1) { batch, _ in
                    seen += batch.count
                    if seen >= 1_000 { throw Stop() }
                }
            }
            #expect(seen == 1_000)
            // The work connection is free again once it returns.
            #expect(try a.state(of: "20260720T120000Z-0001") != nil)
        }
        #expect(try pg.psqlValue("SELECT count(*) FROM saba_recon.calls WHERE done", database: db) == "1")
    }
}

/// Tickets stored as chunks of lines per call (issue 23): a transId two calls stored is
/// reduced by the publisher's copy, as in one process.
extension SharedRunStoreTests {
    static func copied(_ store: SharedRunStore, runId: String) throws -> [String: (status: String, member: String, order: Int)] {
        let local = try RunStore.inMemory()
        try store.forEachTicketBatch(of: runId) { try local.stage($0, order: $1) }
        var out: [String: (status: String, member: String, order: Int)] = [:]
        for (t, order) in try local.stagedTickets() { out[t.transId] = (t.status.description, t.memberId, order) }
        return out
    }

    @Test(arguments: [false, true])
    func aTicketTwoCallsStoredIsTheMoreSettledOneOnceCopied(laterFirst: Bool) async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let (copied, early, late): ([String: (status: String, member: String, order: Int)], Int, Int) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let first = try #require(try a.claimCall()), second = try #require(try a.claimCall())
            let (early, late) = first.fetch.planOrder < second.fetch.planOrder ? (first, second) : (second, first)
            func t(_ id: String, _ status: String, _ member: String) -> Ticket {
                var t = Self.ticket(id); t.status = TicketStatus(status); t.memberId = member; return t
            }
            // Committed in either order, the same tickets come out: "s" settled by the later call,
            // "r" settled by the earlier, "e" as settled in both (the earlier call's stays).
            let commits = [(late, [t("s", "won", "late"), t("r", "running", "late"), t("e", "running", "late"), t("only", "running", "late")]),
                           (early, [t("s", "running", "early"), t("r", "lose", "early"), t("e", "running", "early")])]
            for (call, tickets) in laterFirst ? commits : commits.reversed() {
                try a.commit(call, tickets: tickets, stats: FetchStats(tickets: tickets.count, bytes: 1, attempts: 1, seconds: 0))
            }
            return (try Self.copied(a, runId: "20260720T120000Z-0001"), early.fetch.planOrder, late.fetch.planOrder)
        }
        #expect(copied.count == 4)
        #expect(copied["s"]?.status == "won" && copied["s"]?.member == "late" && copied["s"]?.order == late)
        #expect(copied["r"]?.status == "lose" && copied["r"]?.member == "early" && copied["r"]?.order == early)
        #expect(copied["e"]?.member == "early" && copied["e"]?.order == early)
        #expect(copied["only"]?.order == late)
    }

    /// A process of an earlier version, still running, claims in plain plan order: the store
    /// refuses it a window's settled call until the unsettled call is done (its claim finds
    /// nothing), and then lets it.
    @Test func aClaimOfAnEarlierVersionGetsNoSettledCallBeforeItsUnsettledCall() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let runId = "20260720T120000Z-0001"
        // Version 5's claim of window 0's settled call.
        let oldClaim = "WITH c AS (UPDATE saba_recon.calls SET claimed_by = 'old', lease_until = now() + interval '30 seconds', claims = claims + 1 WHERE run_id = '\(runId)' AND idx = 0 AND settled AND NOT done RETURNING idx) SELECT count(*) FROM c"
        let (before, after): (String, String) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record(runId))
            let before = try pg.psqlValue(oldClaim, database: db)
            // The unsettled calls are fetched (settled ones claimed meanwhile stay in flight).
            var unsettledZeroDone = false
            while !unsettledZeroDone, let call = try a.claimCall() {
                guard !call.settled else { continue }
                try a.commit(call, tickets: [Self.ticket("u\(call.window.index)")], stats: FetchStats(tickets: 1, bytes: 1, attempts: 1, seconds: 0))
                unsettledZeroDone = call.window.index == 0
            }
            return (before, try pg.psqlValue(oldClaim, database: db))
        }
        #expect(before == "0", "the settled call was claimed before its unsettled call was done")
        #expect(after == "1")
    }

    /// A settled call an earlier version stored before its window's unsettled call, in a run
    /// still open, is made undone by the migration and its tickets dropped: it is fetched again.
    @Test func theMigrationUndoesASettledCallStoredBeforeItsUnsettledCall() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let runId = "20260720T120000Z-0001"
        let left: [String: (status: String, member: String, order: Int)] = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate(through: 5)
            _ = try a.createOrJoin(try record(runId))
            // Version 5's order: window 0's settled call and window 1's two calls, not window 0's unsettled one.
            try pg.psql("UPDATE saba_recon.calls SET claimed_by = 'old' WHERE run_id = '\(runId)' AND (idx = 1 OR (idx = 0 AND settled))", database: db)
            for (idx, settled) in [(0, true), (1, false), (1, true)] {
                let line = TicketLine.encode(Self.ticket("t\(idx)\(settled)"))
                let order = (idx + 1) * 2 + (settled ? 1 : 0)
                try pg.psql("""
                    INSERT INTO saba_recon.ticket_chunks (run_id, call_order, chunk, lines) VALUES ('\(runId)', \(order), 0, ARRAY['\(line)']);
                    UPDATE saba_recon.calls SET done = true, done_by = 'old', tickets = 1 WHERE run_id = '\(runId)' AND idx = \(idx) AND settled = \(settled);
                    """, database: db)
            }
            try a.migrate()
            return try Self.copied(a, runId: runId)
        }
        #expect(try pg.psqlValue("SELECT string_agg(idx || ':' || settled || ':' || done || ':' || coalesce(claimed_by, '-'), ',' ORDER BY idx, settled) FROM saba_recon.calls WHERE idx IN (0, 1)", database: db)
                == "0:false:false:-,0:true:false:-,1:false:true:old,1:true:true:old")
        #expect(Set(left.keys) == ["t1false", "t1true"])
    }

    @Test func ticketsAnEarlierVersionStoredRowByRowMoveIntoChunks() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        var won = Self.ticket("2")
        won.status = TicketStatus("won")
        // 2,001 rows kept from one call (two chunks), one from another, one stored before call orders (0).
        let lines = [("1", Self.ticket("1"), 3), ("2", won, 3), ("3", Self.ticket("3"), 5), ("0", Self.ticket("0"), 0)]
            + (0..<1_999).map { ("b\($0)", Self.ticket("b\($0)"), 3) }
        let copied: [String: (status: String, member: String, order: Int)] = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate(through: 4)  // the schema before ticket_chunks (migration 5)
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let values = lines.map { id, t, order in "('20260720T120000Z-0001', '\(id)', \(t.settlementOrder), '\(TicketLine.encode(t))', \(order))" }
            try pg.psql("INSERT INTO saba_recon.tickets (run_id, trans_id, settlement_rank, body, call_order) VALUES \(values.joined(separator: ", "))", database: db)
            try a.migrate()
            return try Self.copied(a, runId: "20260720T120000Z-0001")
        }
        #expect(copied.count == 2_003)
        #expect(copied["1"]?.order == 3 && copied["2"]?.status == "won" && copied["3"]?.order == 5 && copied["0"]?.order == 0 && copied["b1998"]?.order == 3)
        #expect(try pg.psqlValue("SELECT to_regclass('saba_recon.tickets') IS NULL", database: db) == "t")
        #expect(try pg.psqlValue("SELECT string_agg(call_order || ':' || chunk || ':' || cardinality(lines), ',' ORDER BY call_order, chunk) FROM saba_recon.ticket_chunks", database: db) == "0:0:1,3:0:2000,3:1:1,5:0:1")
    }

    /// A chunk the migration builds stays under the reader's limit: rows of one call are cut
    /// at every 16 MiB of the call's bytes, not only every 2,000 rows.
    @Test func theMigrationCutsAnOldCallsRowsAt16MiB() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let copied: [String: (status: String, member: String, order: Int)] = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate(through: 4)  // the schema before ticket_chunks (migration 5)
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let values = ["1", "2", "3"].map { id in
                var t = Self.ticket(id)
                t.memberId = "BIGMEMBER"
                return "('20260720T120000Z-0001', '\(id)', \(t.settlementOrder), '\(TicketLine.encode(t))', 3)"
            }
            // 6 MiB a row, written by the server: a command line this long would not reach psql.
            try pg.psql("""
                INSERT INTO saba_recon.tickets (run_id, trans_id, settlement_rank, body, call_order) VALUES \(values.joined(separator: ", "));
                UPDATE saba_recon.tickets SET body = replace(body, 'BIGMEMBER', repeat('m', 6291456));
                """, database: db)
            try a.migrate()
            return try Self.copied(a, runId: "20260720T120000Z-0001")
        }
        #expect(try pg.psqlValue("SELECT string_agg(call_order || ':' || chunk || ':' || cardinality(lines), ',' ORDER BY call_order, chunk) FROM saba_recon.ticket_chunks", database: db) == "3:0:2,3:1:1")
        #expect(copied.count == 3 && copied.values.allSatisfy { $0.member.utf8.count == 6_291_456 && $0.order == 3 })
    }

    @Test func aStoredChunkPastTheLimitIsRefusedNotRead() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let message: String = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let call = try #require(try a.claimCall())
            try a.commit(call, tickets: (0..<50).map { Self.ticket("t\($0)") }, stats: FetchStats(tickets: 50, bytes: 1, attempts: 1, seconds: 0))
            var seen = 0
            do {
                try a.forEachTicketBatch(of: "20260720T120000Z-0001", maxChunkBytes: 1_000) { batch, _ in seen += batch.count }
            } catch {
                return "\(error) (\(seen) seen)"
            }
            return "read \(seen)"
        }
        #expect(message.contains("more than the 1000 a chunk may hold") && message.contains("(0 seen)"), "\(message)")
    }

    /// SPEC §6: what this job never writes is refused, not read: a chunk stored compressed (its
    /// size would not bound what it holds), a single ticket line past a chunk's budget.
    @Test func aCompressedChunkAndAnOversizedLineAreRefused() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let (read, commit, stored): (String, String, String) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let first = try #require(try a.claimCall()), second = try #require(try a.claimCall())
            try a.commit(first, tickets: [Self.ticket("t1")], stats: FetchStats(tickets: 1, bytes: 1, attempts: 1, seconds: 0))
            // An outsider's row: compressible lines, compressed by the column's default storage.
            try pg.psql("""
                ALTER TABLE saba_recon.ticket_chunks ALTER COLUMN lines SET STORAGE EXTENDED;
                UPDATE saba_recon.ticket_chunks SET lines = array_fill(lines[1], ARRAY[5000]);
                """, database: db)
            var read = ""
            do { try a.forEachTicketBatch(of: "20260720T120000Z-0001") { _, _ in } } catch { read = "\(error)" }
            var big = Self.ticket("big")
            big.memberId = String(repeating: "m", count: SharedRunStore.chunkBytes)
            var commit = ""
            do { try a.commit(second, tickets: [Self.ticket("small"), big], stats: FetchStats(tickets: 2, bytes: 1, attempts: 1, seconds: 0)) } catch { commit = "\(error)" }
            return (read, commit, try pg.storedTransIds(database: db))
        }
        #expect(read.contains("compressed, which this job never stores"), "\(read)")
        #expect(commit.contains("window") && commit.contains("more than the \(SharedRunStore.chunkBytes) the store takes; not stored"), "\(commit)")
        // Nothing of the refused call was stored.
        #expect(!stored.contains("small"))
    }

    @Test func chunksArePagedInOrderAndABatchHoldsOneCallsTickets() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let reads: [[(count: Int, order: Int)]] = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            defer { a.close() }
            try a.migrate()
            _ = try a.createOrJoin(try record("20260720T120000Z-0001"))
            let first = try #require(try a.claimCall()), second = try #require(try a.claimCall())
            // 4,500 tickets: three chunks of one call, then one chunk of another.
            try a.commit(first, tickets: (0..<4_500).map { Self.ticket("a\($0)") }, stats: FetchStats(tickets: 4_500, bytes: 1, attempts: 1, seconds: 0))
            try a.commit(second, tickets: (0..<10).map { Self.ticket("b\($0)") }, stats: FetchStats(tickets: 10, bytes: 1, attempts: 1, seconds: 0))
            var reads: [[(count: Int, order: Int)]] = []
            // One chunk a page; every chunk in one page; pages cut by bytes (one and a half chunks).
            let largest = try #require(Int(try pg.psqlValue("SELECT max(pg_column_size(lines)) FROM saba_recon.ticket_chunks", database: db)))
            for (perPage, limit) in [(1, SharedRunStore.maxChunkBytes), (8, SharedRunStore.maxChunkBytes), (8, largest * 3 / 2)] {
                var batches: [(count: Int, order: Int)] = []
                var ids = Set<String>()
                try a.forEachTicketBatch(of: "20260720T120000Z-0001", batchSize: 10_000, chunksPerPage: perPage, maxChunkBytes: limit) { batch, order in
                    batches.append((batch.count, order))
                    ids.formUnion(batch.map(\.transId))
                }
                #expect(ids.count == 4_510)
                reads.append(batches)
            }
            let orders = [first.fetch.planOrder, second.fetch.planOrder].sorted()
            let sizes = [first.fetch.planOrder: 4_500, second.fetch.planOrder: 10]
            for batches in reads {
                #expect(batches.map(\.order) == orders && batches.map(\.count) == orders.map { sizes[$0] ?? 0 })
            }
            return reads
        }
        #expect(reads.count == 3)
    }
}

@Suite struct TicketChunkTests {
    @Test func aCallIsCutByCountAndByBytes() {
        let lines = (0..<5).map { String(repeating: "x", count: $0 == 2 ? 50 : 10) }
        #expect(SharedRunStore.chunks(of: lines, count: 2, bytes: 1_000) == [0..<2, 2..<4, 4..<5])
        // The 50-byte line does not fit beside the others under 40 bytes: it goes alone.
        #expect(SharedRunStore.chunks(of: lines, count: 10, bytes: 40) == [0..<2, 2..<3, 3..<5])
        #expect(SharedRunStore.chunks(of: [], count: 2, bytes: 10).isEmpty)
        // Exactly at the limit still fits; one byte past it does not.
        let tens = [String](repeating: String(repeating: "y", count: 10), count: 5)
        #expect(SharedRunStore.chunks(of: tens, count: 10, bytes: 20) == [0..<2, 2..<4, 4..<5])
        #expect(SharedRunStore.chunks(of: tens, count: 10, bytes: 19) == [0..<1, 1..<2, 2..<3, 3..<4, 4..<5])
    }
}
