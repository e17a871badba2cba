import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
import SabaSandbox
@testable import SabaReconCore
@testable import SabaReconIO

@Suite(.serialized) struct SharedRunWorkerTests {
    /// The tickets are copied inside the job, which wraps what it throws: a publisher whose
    /// claim was taken over while it copied leaves the run to the other process, and neither
    /// fails the run nor fails itself.
    @Test func aPublisherThatLosesItsClaimDuringTheCopyLeavesTheRunToTheOther() async throws {
        let pg = try TestPostgres.server()
        let (url, db) = try pg.makeDatabase()
        let scene = try JobScene()
        let runId = "20260720T130000Z-0002"
        let (thrown, copied, attempts, state): (String?, Bool, Int, RunState?) = try await blocking {
            let store = try SharedRunStore(url: url, worker: "w", lease: 30, logger: Logger(label: "test"))
            defer { store.close() }
            try store.migrate()
            _ = try store.createOrJoin(RunRecord(runId: runId, plan: scene.plan, now: JobScene.now, judging: RunJudging()))
            let copied = Mutex(false), attempts = Mutex(0)
            let worker = SharedRunWorker(store: store, client: try FetchStageTests.client(BookTransport(book: scene.book)), outRoot: scene.out,
                                         logger: Logger(label: "test")) { runId, _, copy in
                attempts.withLock { $0 += 1 }
                // Another process takes the publishing over while this one copies.
                try pg.psql("UPDATE saba_recon.runs SET publisher = 'other' WHERE run_id = '\(runId)'", database: db)
                do {
                    try copy(try RunStore.inMemory())
                } catch {
                    throw JobError("run \(runId): \(error)", underlying: error)
                }
                copied.withLock { $0 = true }
                return (0, [], nil)
            }
            var thrown: String?
            do { try worker.work { attempts.withLock { $0 } > 0 } } catch { thrown = "\(error)" }
            return (thrown, copied.withLock { $0 }, attempts.withLock { $0 }, try store.state(of: runId)?.state)
        }
        #expect(thrown == nil)
        #expect(attempts == 1 && !copied)
        #expect(state == .publishing)
        #expect(try pg.psqlValue("SELECT publisher FROM saba_recon.runs WHERE run_id = '\(runId)'", database: db) == "other")
    }

    /// A publisher killed while it copies the tickets must not leave a folder whose calls all
    /// read as done: a plain nightly of the same days would resume it, fetch nothing and
    /// report the tickets not yet copied as missing at the provider. The calls are marked done
    /// in the folder only once their tickets are in it.
    @Test func aPublisherMarksTheCallsDoneInItsFolderOnlyOnceTheirTicketsAreIn() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let scene = try JobScene()
        let runId = "20260720T130000Z-0003"
        let (cut, partial, after, tickets, calls): (Int, Int, Int, Int, Int) = try await blocking {
            let store = try SharedRunStore(url: url, worker: "w", lease: 30, logger: Logger(label: "test"))
            defer { store.close() }
            try store.migrate()
            _ = try store.createOrJoin(RunRecord(runId: runId, plan: scene.plan, now: JobScene.now, judging: RunJudging()))
            let seen = Mutex((cut: -1, partial: -1, after: -1, tickets: -1))
            let worker = SharedRunWorker(store: store, client: try FetchStageTests.client(BookTransport(book: scene.book)), outRoot: scene.out,
                                         logger: Logger(label: "test")) { runId, _, copy in
                let local = try RunFolder.open(runId, in: scene.out).store()
                // The copy dies part-way (as a kill would leave it): some tickets are in.
                try local.tickets.write { db in
                    try db.execute(sql: """
                        CREATE TEMP TRIGGER killed BEFORE INSERT ON main.tickets WHEN (SELECT count(*) FROM main.tickets) >= 200
                        BEGIN SELECT RAISE(ABORT, 'killed by the test'); END
                        """)
                }
                #expect(throws: (any Error).self) { try copy(local) }
                let cut = (try local.committedCalls().count, try local.ticketCount())
                try local.tickets.write { db in try db.execute(sql: "DROP TRIGGER temp.killed") }
                try copy(local)
                let after = (try local.committedCalls().count, try local.ticketCount())
                seen.withLock { $0 = (cut.0, cut.1, after.0, after.1) }
                return (0, [], nil)
            }
            try worker.work { seen.withLock { $0.cut } >= 0 }
            let s = seen.withLock { $0 }
            return (s.cut, s.partial, s.after, s.tickets, try store.calls(of: runId).count)
        }
        #expect(calls == scene.plan.calls.count)
        #expect(cut == 0)
        #expect(partial > 0 && partial < tickets)
        #expect(after == calls)
    }

    /// The publishing job is a resume of the run's folder that fetches nothing: the copy brings
    /// every call and marks it done. So it makes no provider call (the folder has no call
    /// marked done when it starts), also past Saba's 180-day history; and a call the copy
    /// did not bring fails the run instead of being matched as a call of no tickets.
    @Test func thePublishingJobFetchesNothingAndRefusesACallTheCopyLeftOut() throws {
        let scene = try JobScene()
        let reference = try scene.job(.fresh(scene.plan, now: JobScene.now), transport: BookTransport(book: scene.book)).run()
        let tickets = try Self.tickets(of: try RunFolder.open(reference.runId, in: scene.out).store())
        func publish(_ runId: String, leavingOut left: Int) throws -> (Result<JobResult, any Error>, Int) {
            let record = RunRecord(runId: runId, plan: scene.plan, now: JobScene.now, judging: RunJudging())
            _ = try RunFolder.shared(runId, in: scene.out, record: record)
            var options = ReconcileOptions(outRoot: scene.out, toolVersion: "test")
            options.sharedRun = Manifest.SharedRun(store: "test", published_by: "w", calls: [])
            let calls = Array(scene.plan.calls.dropLast(left))
            options.copyTickets = { local in
                for (order, list) in Dictionary(grouping: tickets, by: \.1) { try local.stage(list.map(\.0), order: order) }
                for call in calls { _ = try local.stage(call) { _ in FetchStats() } }
            }
            let transport = BookTransport(book: scene.book)
            // A year after the run's day: its first windows are past Saba's history.
            let job = ReconcileJob(options: options, start: .resume(runId: runId), client: try FetchStageTests.client(transport),
                                   ledger: try SQLiteLedgerSource(path: scene.ledgerPath), clock: FixedWallClock(JobScene.now.addingTimeInterval(365 * 86_400)))
            return (Result { try job.run() }, transport.count)
        }
        let (published, calls) = try publish("20260720T130000Z-0004", leavingOut: 0)
        let result = try published.get()
        #expect(calls == 0)
        #expect(result.exitStatus == reference.exitStatus)
        #expect(try scene.reports(result.folder) == scene.reports(reference.folder))

        let (failed, callsToo) = try publish("20260720T130000Z-0005", leavingOut: 1)
        #expect(callsToo == 0)
        if case .failure(let error) = failed {
            #expect(error is JobError)
            #expect("\(error)".contains("handed over \(scene.plan.calls.count - 1) of the run's \(scene.plan.calls.count) calls"))
        } else {
            Issue.record("a publish whose copy left a call out succeeded")
        }
    }

    static func tickets(of store: RunStore) throws -> [(Ticket, Int)] {
        try store.stagedTickets().map { ($0.ticket, $0.callOrder) }
    }
}
