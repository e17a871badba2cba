import Foundation
import Testing
import SabaReconCore
@testable import SabaReconIO

/// A ledger read ahead of a shared run's publishing is taken only by the run it was read
/// for, with the same reads, once, and only if it did not fail; its folder never outlives it.
@Suite struct LedgerAheadTests {
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
        let ahead = LedgerAhead()
        defer { ahead.close() }
        try ahead.start(runId: "r1", reads: Self.reads, indexForRefunds: false, source: Self.ledger(), clock: SystemWallClock())
        #expect(ahead.take(runId: "r2", reads: Self.reads, indexForRefunds: false) == nil)
        #expect(ahead.take(runId: "r1", reads: [LedgerRead(provider: "saba", since: .distantPast)], indexForRefunds: false) == nil)
        #expect(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: true) == nil)
        let read = try #require(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: false))
        #expect(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: false) == nil)
        #expect(try read.stage.wait().0.entries == 3)

        // The run folder keeps the files; the private folder goes with close().
        let runFolder = try LedgerAheadTests.folder()
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
        let ahead = LedgerAhead()
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
        let ahead = LedgerAhead()
        defer { ahead.close() }
        let first = FailingLedger()
        try ahead.start(runId: "r1", reads: Self.reads, indexForRefunds: false, source: first, clock: SystemWallClock())
        try ahead.start(runId: "r2", reads: Self.reads, indexForRefunds: false, source: Self.ledger(), clock: SystemWallClock())
        #expect(first.closed)
        #expect(ahead.take(runId: "r1", reads: Self.reads, indexForRefunds: false) == nil)
        #expect(ahead.take(runId: "r2", reads: Self.reads, indexForRefunds: false) != nil)
    }

    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-ahead-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
