import Foundation
import GRDB
import SabaReconCore
import Logging
import Testing
import TestSupport
@testable import SabaReconIO

/// The book on disk: a night applied once, acknowledgements with their trail, a damaged row refused.
@Suite struct BreakBookStoreTests {
    static let now = UTCTime.parse("2026-07-20T02:00:00Z")!
    static let window = FetchWindow(index: 0, start: UTCTime.parse("2026-06-01T00:00:00Z")!, end: UTCTime.parse("2026-07-01T00:00:00Z")!)
    static let coverage = BreakBook.Coverage(range: TimeRange(start: UTCTime.parse("2026-01-22T00:00:00Z")!, end: UTCTime.parse("2026-07-21T00:00:00Z")!),
                                             sources: ["saba"])

    static func row(_ id: String, ledger: String = "10.00") -> Discrepancy {
        var r = Discrepancy(window: window, provider: "saba", kind: .netMismatch, transId: id, memberId: "m", currency: "USD",
                            providerNet: Money.parse("12.00"), ledgerNet: Money.parse(ledger), detail: "test")
        r.occurredAt = UTCTime.parse("2026-06-10T10:00:00Z")
        return r
    }

    /// A book of each kind: SQLite in memory, or the schema of a fresh PostgreSQL run store.
    enum Kind: String, CaseIterable { case sqlite, store }

    static func storage(_ kind: Kind) throws -> (any BreakBookStorage, SharedRunStore?) {
        switch kind {
        case .sqlite: return (try BreakBookStore(DatabaseQueue()), nil)
        case .store:
            let (url, _) = try TestPostgres.server().makeDatabase()
            let store = try SharedRunStore(url: url, worker: "test", lease: 10, logger: Logger(label: "test"))
            try store.migrate()
            return (StoreBreakBook(store), store)
        }
    }

    @Test(arguments: Kind.allCases) func aNightIsAppliedOnceAndReadBackWhole(kind: Kind) async throws {
        try await blocking { try Self.roundTrip(kind) }
    }

    static func roundTrip(_ kind: Kind) throws {
        let (store, shared) = try storage(kind)
        defer { shared?.close() }
        let night = try store.load().night([Self.row("1"), Self.row("2")], coverage: Self.coverage, now: Self.now, runId: "R1")
        #expect(try store.apply(night, runId: "R1", at: Self.now))
        // A resumed R1 finds its night and writes the same annotations; the book is not touched again.
        #expect(try store.apply(night, runId: "R1", at: Self.now) == false)
        #expect(try store.appliedNight("R1") == night.annotations)
        #expect(try store.appliedNight("R2") == nil)
        #expect(try store.load() == night.book)

        var book = try store.load()
        let id = BreakKey(Self.row("1")).breakId
        let ack = try book.acknowledge(id, by: "ana", reason: "provider's error", until: nil, at: Self.now)
        try store.record([ack], book: book)
        let next = try store.load().night([Self.row("1", ledger: "9.00")], coverage: Self.coverage, now: Self.now.addingTimeInterval(86_400), runId: "R2")
        try store.apply(next, runId: "R2", at: Self.now)
        #expect(try store.events(of: id).map(\.action) == [.acknowledged, .lapsed])
        #expect(try store.events().count == 2)
        let back = try store.load()
        #expect(back.breaks[id]?.status == .changed && back.breaks[id]?.acknowledgement == nil)
        #expect(back.breaks[BreakKey(Self.row("2")).breakId]?.resolvedBy == "R2")
        let desk = BreakDesk(store: store, clock: FixedWallClock(Self.now.addingTimeInterval(2 * 86_400)))
        let again = try desk.acknowledge([BreakDesk.Request(target: .id(id), reason: "again", until: nil, origin: "test")], by: "bo")
        let trail = try store.events(of: id).map(\.action)
        #expect(again.count == 1 && trail == [.acknowledged, .lapsed, .acknowledged])
        #expect(try store.load().breaks[id]?.acknowledgement?.by == "bo")
    }

    /// The store's book is shared across report roots, whose locks differ: a person's
    /// acknowledgement made while a run publishes is kept by the run's night, and a person's
    /// command that read the book before a night is refused, not applied over it.
    @Test func writesThatCrossAreKeptOrRefusedNeverLost() async throws {
        let (url, _) = try TestPostgres.server().makeDatabase()
        let (acknowledged, refused): (Bool, String) = try await blocking {
            let store = try SharedRunStore(url: url, worker: "test", lease: 10, logger: Logger(label: "test"))
            defer { store.close() }
            try store.migrate()
            let run = StoreBreakBook(store), person = StoreBreakBook(store)
            try run.apply(try run.load().night([Self.row("1")], coverage: Self.coverage, now: Self.now, runId: "R1"), runId: "R1", at: Self.now)
            // R2 judges its night; meanwhile a person acknowledges break 1; then R2 applies.
            let night = try run.load().night([Self.row("1")], coverage: Self.coverage, now: Self.now.addingTimeInterval(86_400), runId: "R2")
            let id = BreakKey(Self.row("1")).breakId
            _ = try BreakDesk(store: person, clock: FixedWallClock(Self.now)).acknowledge([BreakDesk.Request(target: .id(id), reason: "known", until: nil, origin: "t")], by: "ana")
            try run.apply(night, runId: "R2", at: Self.now.addingTimeInterval(86_400))
            let kept = try run.load().breaks[id]?.acknowledgement?.by == "ana"
            // A person's command that read the book before R3's night is refused.
            var book = try person.load()
            let event = try book.withdraw(id, by: "bo", reason: "no", at: Self.now)
            try run.apply(try run.load().night([Self.row("1")], coverage: Self.coverage, now: Self.now.addingTimeInterval(2 * 86_400), runId: "R3"),
                          runId: "R3", at: Self.now.addingTimeInterval(2 * 86_400))
            do { try person.record([event], book: book); return (kept, "recorded") } catch { return (kept, "\(error)") }
        }
        #expect(acknowledged, "the acknowledgement made while the run published was lost")
        #expect(refused.contains("changed while this command worked"), "\(refused)")
    }

    @Test func aDamagedStoreRowIsAClearErrorNotAWrongStatus() async throws {
        let (url, _) = try TestPostgres.server().makeDatabase()
        let message: String = try await blocking {
            let store = try SharedRunStore(url: url, worker: "test", lease: 10, logger: Logger(label: "test"))
            defer { store.close() }
            try store.migrate()
            let book = StoreBreakBook(store)
            try book.apply(try book.load().night([Self.row("1")], coverage: Self.coverage, now: Self.now, runId: "R1"), runId: "R1", at: Self.now)
            try store.sync("plant") {
                let c = try await store.connection(0)
                for try await _ in try await c.query("UPDATE saba_recon.breaks SET break_id = 'B0000000000000000'", logger: store.logger) {}
            }
            do { _ = try book.load(); return "loaded" } catch { return "\(error)" }
        }
        #expect(message.contains("B0000000000000000") && message.contains("not its key's"), "\(message)")
    }

    @Test func aDamagedRowIsAClearErrorNotAWrongStatus() throws {
        let queue = try DatabaseQueue()
        let store = try BreakBookStore(queue)
        try store.apply(try store.load().night([Self.row("1")], coverage: Self.coverage, now: Self.now, runId: "R1"), runId: "R1", at: Self.now)
        try queue.write { try $0.execute(sql: "UPDATE breaks SET last_difference = '1e9999'") }
        #expect(throws: BreakBookStore.Damaged.self) { try store.load() }
        try queue.write { try $0.execute(sql: "UPDATE breaks SET last_difference = '-2.00', trans_id = 'another'") }
        let error = #expect(throws: BreakBookStore.Damaged.self) { try store.load() }
        #expect(error?.description.contains("not its key's") == true)
    }

    @Test func acknowledgementsFromASpreadsheetsCSVAreAllOrNothing() throws {
        let store = try BreakBookStore(DatabaseQueue())
        try store.apply(try store.load().night([Self.row("1"), Self.row("2")], coverage: Self.coverage, now: Self.now, runId: "R1"), runId: "R1", at: Self.now)
        let id1 = BreakKey(Self.row("1")).breakId
        // The workbook's sheet saved as CSV: its own headers, a reason column only on one row.
        let csv = "run_id,window_start (UTC),provider,kind,trans_id,detail,break_id,reason\r\nR1,x,saba,net_mismatch,1,d,\(id1),paid by hand\r\nR1,x,saba,net_mismatch,2,d,,\r\n"
        let requests = try BreakDesk.requests(csv: csv, file: "acks.csv", defaultReason: "morning review")
        #expect(requests.map(\.target) == [.id(id1), .key(provider: "saba", kind: "net_mismatch", transId: "2")])
        #expect(requests.map(\.reason) == ["paid by hand", "morning review"])
        #expect(requests.map(\.origin) == ["acks.csv:2", "acks.csv:3"])
        let desk = BreakDesk(store: store, clock: FixedWallClock(Self.now))
        // One unknown break: nothing is written.
        let bad = requests + [BreakDesk.Request(target: .key(provider: "saba", kind: "net_mismatch", transId: "9"), reason: "x", until: nil, origin: "acks.csv:4")]
        let refused = #expect(throws: BreakDesk.Refused.self) { try desk.acknowledge(bad, by: "ana") }
        #expect(refused?.description == "acks.csv:4: the break book holds no break saba/net_mismatch/9")
        #expect(try store.events().isEmpty)
        #expect(try desk.acknowledge(requests, by: "ana").count == 2)
        #expect(try desk.list(BreakListing.Filter()).rows.count == 2)
        var acknowledged = BreakListing.Filter()
        acknowledged.statuses = ["acknowledged"]
        #expect(try desk.list(acknowledged).rows.count == 2)
        #expect(throws: BreakDesk.Refused.self) { try BreakDesk.requests(csv: "a,b\r\n1,2\r\n", file: "x.csv", defaultReason: "r") }
        #expect(throws: BreakDesk.Refused.self) { try BreakDesk.requests(csv: "break_id\r\nB1\r\n", file: "x.csv", defaultReason: nil) }
    }
}
