import Foundation
import GRDB
import Testing
import SabaReconCore
import TestSupport
@testable import SabaReconIO

/// A ledger read ahead of a shared run's publishing is taken only by the run it was read
/// for, with the same reads, once, and only if it did not fail; its folder never outlives it.
@Suite struct RunAheadTests {
    /// A source that fails its read, and says when it was closed.
    final class FailingLedger: LedgerSource, @unchecked Sendable {
        var closed = false
        var displayName: String { "failing" }
        func validate() throws {}
        func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws {
            throw LedgerError("connection reset")
        }
        func close() { closed = true }
    }

    static let reads = [LedgerRead(provider: "saba", since: Date(timeIntervalSince1970: 1_780_000_000))]

    static func ledger() -> ListLedger {
        ListLedger(entries: ["t1", "t2", "t3"].map {
            LedgerEntry(entryId: "\($0)-bet", provider: "saba", ticketId: $0, memberId: "m", kind: "bet", amount: -10,
                        currency: "USD", createdAt: Date(timeIntervalSince1970: 1_785_000_000))
        })
    }

    @Test func aReadIsTakenOnceByItsRunWithTheSameReads() throws {
        let ahead = RunAhead()
        defer { ahead.close() }
        try ahead.start(runId: "r1", reads: Self.reads, indexForRefunds: false, source: Self.ledger(), clock: SystemWallClock())
        #expect(ahead.take(runId: "r2", reads: Self.reads, indexForRefunds: false) == nil)
        #expect(ahead.take(runId: "r1", reads: [LedgerRead(provider: "saba", since: .distantPast)], indexForRefunds: false) == nil)
        #expect(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: true) == nil)
        let read = try #require(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: false))
        #expect(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: false) == nil)
        #expect(try read.stage.wait().0.entries == 3)

        // The run folder keeps the files; the private folder goes with close().
        let runFolder = try RunAheadTests.folder()
        defer { try? FileManager.default.removeItem(at: runFolder) }
        let store = try RunStore.files(in: runFolder).withLedger(of: read.store)
        var walked: [String] = []
        _ = try store.forEachGroup(from: nil, below: nil) { _, entries in walked += entries.map(\.entryId) }
        #expect(walked == ["t1-bet", "t2-bet", "t3-bet"])
        try read.keep(in: runFolder)
        #expect(FileManager.default.fileExists(atPath: runFolder.appendingPathComponent(RunStore.ledgerFile).path))
        #expect(FileManager.default.fileExists(atPath: runFolder.appendingPathComponent(LedgerSpool.fileName).path))
        ahead.close()
        #expect(!FileManager.default.fileExists(atPath: read.folder.path))
    }

    @Test func aFailedReadIsNotTakenAndItsSourceIsClosed() throws {
        let ahead = RunAhead()
        let source = FailingLedger()
        try ahead.start(runId: "r1", reads: Self.reads, indexForRefunds: false, source: source, clock: SystemWallClock())
        let read = try #require(ahead.current)
        // Failed before it is asked for: the job reads the ledger itself.
        #expect(throws: LedgerError.self) { try read.stage.wait() }
        #expect(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: false) == nil)
        ahead.close()
        #expect(source.closed)
        #expect(!FileManager.default.fileExists(atPath: read.folder.path))
    }

    @Test func aSecondStartEndsTheFirst() throws {
        let ahead = RunAhead()
        defer { ahead.close() }
        let first = FailingLedger()
        try ahead.start(runId: "r1", reads: Self.reads, indexForRefunds: false, source: first, clock: SystemWallClock())
        try ahead.start(runId: "r2", reads: Self.reads, indexForRefunds: false, source: Self.ledger(), clock: SystemWallClock())
        #expect(first.closed)
        #expect(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: false) == nil)
        #expect(ahead.take(runId: "r2", reads: Self.reads, indexForRefunds: false) != nil)
    }

    static func call(_ runId: String, index: Int, settled: Bool) -> SharedRunStore.Call {
        let start = Date(timeIntervalSince1970: 1_780_000_000 + Double(index) * 86_400)
        return SharedRunStore.Call(runId: runId, fetch: FetchCall(window: FetchWindow(index: index, start: start, end: start.addingTimeInterval(86_400)),
                                                                  kind: FetchCall.Kind(isSettled: settled)))
    }

    static func ticket(_ id: String, status: String = "running") -> Ticket {
        Ticket(transId: id, memberId: "m", stake: 10, transTime: Date(timeIntervalSince1970: 1_780_000_000), status: TicketStatus(status), currency: 3)
    }

    /// The calls of its run that the store committed move into the run folder as its
    /// run.sqlite, each under its plan order; a call of another run, or one committed after
    /// the hand-over, is not there (the publisher copies it from the store).
    @Test func committedCallsOfItsRunAreHandedOverOnce() throws {
        let ahead = RunAhead()
        defer { ahead.close() }
        try ahead.start(runId: "r1", reads: Self.reads, indexForRefunds: false, source: Self.ledger(), clock: SystemWallClock())
        let a = Self.call("r1", index: 0, settled: false), b = Self.call("r1", index: 0, settled: true)
        var lines = CallLines([Self.ticket("t1"), Self.ticket("t2")])
        ahead.committed(&lines, of: a)
        #expect(lines.lines.isEmpty)
        lines = CallLines([Self.ticket("t2", status: "won")])
        ahead.committed(&lines, of: b)
        lines = CallLines([Self.ticket("x")])
        ahead.committed(&lines, of: Self.call("r2", index: 1, settled: false))
        let runFolder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: runFolder) }
        #expect(ahead.handOverTickets(of: "r2", into: runFolder).isEmpty)
        #expect(ahead.handOverTickets(of: "r1", into: runFolder) == [a.fetch.planOrder, b.fetch.planOrder])
        lines = CallLines([Self.ticket("late")])
        ahead.committed(&lines, of: Self.call("r1", index: 1, settled: false))
        #expect(ahead.handOverTickets(of: "r1", into: runFolder).isEmpty)
        let store = try RunStore.files(in: runFolder)
        let rows = try store.stagedTickets().map { "\($0.ticket.transId):\($0.ticket.status):\($0.callOrder)" }
        #expect(rows == ["t1:running:\(a.fetch.planOrder)", "t2:won:\(b.fetch.planOrder)"])
    }

    /// The calls another process commits are copied from the store meanwhile (`CallsFollower`)
    /// and handed over with this process's own; a call this process is fetching is left to
    /// come through `committed`, even once the store has it.
    @Test func callsOfOtherProcessesAreCopiedAheadAndHandedOver() async throws {
        let pg = try TestPostgres.server()
        let (url, _) = try pg.makeDatabase()
        let outcome: (handed: Set<Int>, expected: Set<Int>, rows: [String]) = try await blocking {
            let a = try SharedRunStore(url: url, worker: "a", lease: 30)
            let b = try SharedRunStore(url: url, worker: "b", lease: 30)
            defer { a.close(); b.close() }
            try a.migrate()
            let now = UTCTime.parse("2026-07-20T12:00:00Z")!
            let plan = try WindowPlanner().plan(try WindowPlanner.dayRange(from: "2026-07-01", to: "2026-07-10"), now: now, clamp: false)
            let runId = try a.createOrJoin(RunRecord(runId: "20260720T120000Z-00a1", plan: plan, now: now))
            let ahead = RunAhead()
            defer { ahead.close() }
            try ahead.start(runId: runId, reads: Self.reads, indexForRefunds: false, source: Self.ledger(), clock: SystemWallClock(),
                            follow: try SharedRunStore(url: url, worker: "a#ahead", lease: 30), followEvery: 0.05)
            let other = try #require(try b.claimCall())
            let own = try #require(try a.claimCall())
            ahead.fetching(own, true)
            try b.commit(other, tickets: [Self.ticket("t1"), Self.ticket("t2", status: "won")], stats: FetchStats(tickets: 2, bytes: 10, attempts: 1, seconds: 0.1))
            // In the store, but still on its way here: not copied.
            try a.commit(own, tickets: [Self.ticket("y1")], stats: FetchStats(tickets: 1, bytes: 5, attempts: 1, seconds: 0.1))
            let tickets = try #require(ahead.current?.tickets)
            let deadline = Date().addingTimeInterval(20)
            while !tickets.holds(other.fetch.planOrder) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            Thread.sleep(forTimeInterval: 0.3)  // a few more rounds of the follower
            let runFolder = try Self.folder()
            defer { try? FileManager.default.removeItem(at: runFolder) }
            let handed = ahead.handOverTickets(of: runId, into: runFolder)
            let store = try RunStore.files(in: runFolder)
            let rows = try store.stagedTickets().map { "\($0.ticket.transId):\($0.ticket.status):\($0.callOrder)" }
            return (handed, [other.fetch.planOrder], rows)
        }
        #expect(outcome.handed == outcome.expected)
        let order = try #require(outcome.expected.first)
        #expect(outcome.rows == ["t1:running:\(order)", "t2:won:\(order)"])
    }

    static func folder() throws -> URL {
        let dir = TestTemp.url("saba-recon-ahead")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
