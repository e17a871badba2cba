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
        let (before, after, tickets, calls): (Int, Int, Int, Int) = try await blocking {
            let store = try SharedRunStore(url: url, worker: "w", lease: 30, logger: Logger(label: "test"))
            defer { store.close() }
            try store.migrate()
            _ = try store.createOrJoin(RunRecord(runId: runId, plan: scene.plan, now: JobScene.now, judging: RunJudging()))
            let seen = Mutex((before: -1, after: -1, tickets: -1))
            let worker = SharedRunWorker(store: store, client: try FetchStageTests.client(BookTransport(book: scene.book)), outRoot: scene.out,
                                         logger: Logger(label: "test")) { runId, _, copy in
                let local = try RunFolder.open(runId, in: scene.out).store()
                // What a kill here (before or during the copy) leaves in the folder.
                let before = try local.committedCalls().count
                try copy(local)
                let after = (try local.committedCalls().count, try local.ticketCount())
                seen.withLock { $0 = (before, after.0, after.1) }
                return (0, [], nil)
            }
            try worker.work { seen.withLock { $0.before } >= 0 }
            let s = seen.withLock { $0 }
            return (s.before, s.after, s.tickets, try store.calls(of: runId).count)
        }
        #expect(calls == scene.plan.calls.count)
        #expect(before == 0)
        #expect(after == calls)
        #expect(tickets > 0)
    }
}
