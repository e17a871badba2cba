import Foundation
import GRDB
import Testing
import TestSupport
import SabaReconCore
@testable import SabaReconIO

@Suite struct SQLiteLedgerSourceTests {
    func tempPath(_ name: String = "ledger.sqlite") -> String {
        let dir = TestTemp.url("saba-recon-tests")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    func makeLedger(_ sql: String) throws -> String {
        let path = tempPath()
        let q = try DatabaseQueue(path: path)
        try q.write { try $0.execute(sql: sql) }
        try q.close()
        return path
    }

    static let table = """
        CREATE TABLE ledger (entry_id TEXT, provider TEXT, ticket_id TEXT, member_id TEXT, kind TEXT, amount,
                             currency TEXT, created_at, ref TEXT, event_id TEXT, market_id TEXT, specifiers TEXT);
        """

    @Test func aMissingFileTableOrColumnIsNamed() throws {
        let missing = tempPath("nope.sqlite")
        #expect(throws: LedgerError.self) { try SQLiteLedgerSource(path: missing) }
        do {
            _ = try SQLiteLedgerSource(path: missing)
        } catch {
            #expect(String(describing: error) == "ledger file not found: \(missing)")
        }
        let noTable = try makeLedger("CREATE TABLE other (x);")
        #expect(throws: LedgerError.self) { try SQLiteLedgerSource(path: noTable).validate() }
        let noColumn = try makeLedger("CREATE TABLE ledger (entry_id TEXT, provider TEXT, ticket_id TEXT, member_id TEXT, kind TEXT, amount TEXT, currency TEXT, created_at TEXT, ref TEXT, event_id TEXT, market_id TEXT);")
        do {
            try SQLiteLedgerSource(path: noColumn).validate()
            Issue.record("accepted a ledger without specifiers")
        } catch {
            #expect(String(describing: error).contains("missing column specifiers"))
        }
        #expect(throws: LedgerError.self) { try SQLiteLedgerSource(path: noColumn, table: "x; DROP TABLE ledger") }
    }

    @Test func amountsAreExactWhateverTheColumnStorageAndTimesInEveryForm() throws {
        let path = try makeLedger(Self.table + """
            INSERT INTO ledger VALUES ('a', 'saba', 't1', 'm', 'bet', '-12.50', 'USD', '2026-07-26T15:30:43Z', NULL, NULL, NULL, NULL);
            INSERT INTO ledger VALUES ('b', 'saba', 't1', 'm', 'settle', 0.1, 'USD', '2026-07-26 15:30:43.250', 'r1', NULL, NULL, NULL);
            INSERT INTO ledger VALUES ('c', 'saba', 't1', 'm', 'SETTLE', 7, 'USD', 1785079843, NULL, NULL, NULL, NULL);
            INSERT INTO ledger VALUES ('d', 'saba', 't1', 'm', 'bet', '123456789012345.123456789', 'VND', '2026-07-26T15:30:43', NULL, NULL, NULL, NULL);
            INSERT INTO ledger VALUES ('e', 'ebet', 'r9', 'm', 'refund', '5', 'USD', '2026-07-26T15:30:43Z', NULL, NULL, NULL, NULL);
            """)
        let source = try SQLiteLedgerSource(path: path)
        try source.validate()
        var entries: [String: LedgerEntry] = [:]
        try source.forEachEntry(provider: "saba", since: .distantPast) { entries[$0.entryId] = $0 }
        let t = UTCTime.parse("2026-07-26T15:30:43Z")!
        #expect(entries.count == 4)
        #expect(entries["a"]?.amount == Money.parse("-12.50"))
        #expect(entries["b"]?.amount == Money.parse("0.1"))
        #expect(entries["b"]?.createdAt == t.addingTimeInterval(0.25))
        #expect(entries["c"]?.amount == 7 && entries["c"]?.createdAt == t && entries["c"]?.kind == "settle")
        #expect(entries["d"]?.amount == Money.parse("123456789012345.123456789"))
        #expect(entries["a"]?.createdAt == t)
    }

    @Test func aRealColumnIsReadAsSQLitePrintsIt() throws {
        // NUMERIC affinity stores 0.1 as a binary REAL; SQLite prints it back as 0.1 (15 digits).
        let path = try makeLedger(Self.table.replacingOccurrences(of: "amount,", with: "amount NUMERIC,") + """
            INSERT INTO ledger VALUES ('r', 'saba', 't', 'm', 'settle', '185.10', 'USD', '2026-07-26T15:30:43Z', NULL, NULL, NULL, NULL);
            INSERT INTO ledger VALUES ('s', 'saba', 't', 'm', 'settle', 0.3, 'USD', '2026-07-26T15:30:43Z', NULL, NULL, NULL, NULL);
            """)
        var amounts: [String: Money] = [:]
        try SQLiteLedgerSource(path: path).forEachEntry(provider: "saba", since: .distantPast) { amounts[$0.entryId] = $0.amount }
        #expect(amounts == ["r": Money.parse("185.1")!, "s": Money.parse("0.3")!])
    }

    @Test func aBadAmountOrTimeNamesTheEntry() throws {
        let path = try makeLedger(Self.table + "INSERT INTO ledger VALUES ('bad-1', 'saba', 't', 'm', 'bet', 'twelve', 'USD', '2026-07-26T15:30:43Z', NULL, NULL, NULL, NULL);")
        do {
            try SQLiteLedgerSource(path: path).forEachEntry(provider: "saba", since: .distantPast) { _ in }
            Issue.record("accepted a non-decimal amount")
        } catch {
            #expect(String(describing: error) == "ledger entry bad-1: amount 'twelve' is not an exact amount (at most 15 integer and 12 fraction digits)")
        }
        let path2 = try makeLedger(Self.table + "INSERT INTO ledger VALUES ('bad-2', 'saba', 't', 'm', 'bet', '1', 'USD', 'last tuesday', NULL, NULL, NULL, NULL);")
        #expect(throws: LedgerError.self) { try SQLiteLedgerSource(path: path2).forEachEntry(provider: "saba", since: .distantPast) { _ in } }
    }

    @Test func theLedgerIsOpenedReadOnly() throws {
        let path = try makeLedger(Self.table)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let source = try SQLiteLedgerSource(path: path)
        try source.validate()
        try source.forEachEntry(provider: "saba", since: .distantPast) { _ in }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
}

@Suite struct RunStoreTests {
    func ticket(_ id: String, _ status: String, settledAt: Date? = nil) -> Ticket {
        Ticket(transId: id, memberId: "m", stake: 10, transTime: Date(timeIntervalSince1970: 1_785_000_000), status: TicketStatus(status),
               settlementPrice: status == "won" ? 5 : nil, currency: 3, settlementTime: settledAt)
    }

    @Test func theMostSettledVersionWinsWhateverTheOrder() throws {
        let store = try RunStore.inMemory()
        let window = FetchWindow(index: 0, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 1))
        _ = try store.stage(FetchCall(window: window, kind: .unsettled)) { stage in
            try stage(ticket("1", "running"))
            try stage(ticket("2", "won", settledAt: Date(timeIntervalSince1970: 1_785_000_100)))
            return FetchStats(tickets: 2)
        }
        _ = try store.stage(FetchCall(window: window, kind: .settled)) { stage in
            try stage(ticket("1", "won", settledAt: Date(timeIntervalSince1970: 1_785_000_100)))
            try stage(ticket("2", "running"))
            return FetchStats(tickets: 2)
        }
        var seen: [String: String] = [:]
        try store.forEachGroup { t, _ in if let t { seen[t.transId] = t.status.description } }
        #expect(seen == ["1": "won", "2": "won"])
        #expect(try store.ticketCount() == 2)
        #expect(try store.windowRecords().count == 2)
    }

    @Test func groupsJoinTicketsAndLedgerInOnePass() throws {
        let store = try RunStore.inMemory()
        let window = FetchWindow(index: 0, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 1))
        _ = try store.stage(FetchCall(window: window, kind: .settled)) { stage in
            for id in ["10", "30", "20"] { try stage(ticket(id, "won", settledAt: Date(timeIntervalSince1970: 1_785_000_100))) }
            return FetchStats(tickets: 3)
        }
        struct Ledger: LedgerSource {
            var displayName: String { "memory" }
            func validate() throws {}
            func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws {
                for (id, ticket) in [("a", "20"), ("b", "25"), ("c", "20"), ("d", "40")] {
                    try body(LedgerEntry(entryId: id, provider: "saba", ticketId: ticket, memberId: "m", kind: "bet", amount: -10,
                                         currency: "USD", createdAt: Date(timeIntervalSince1970: 1_785_000_000)))
                }
            }
        }
        let staged = try store.stageLedger(from: Ledger(), reads: [LedgerRead(provider: "saba", since: Date(timeIntervalSince1970: 0))])
        #expect(staged.entries == 4)
        var groups: [String] = []
        try store.forEachGroup { t, entries in
            groups.append("\(t?.transId ?? "-"):\(entries.map(\.entryId).joined())")
        }
        #expect(groups == ["10:", "20:ac", "-:b", "30:", "-:d"])
    }

    @Test func aRepeatedEntryIdIsAnError() throws {
        struct Ledger: LedgerSource {
            var displayName: String { "memory" }
            func validate() throws {}
            func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws {
                for _ in 0..<2 {
                    try body(LedgerEntry(entryId: "same", provider: "saba", ticketId: "1", memberId: "m", kind: "bet", amount: -1,
                                         currency: "USD", createdAt: Date(timeIntervalSince1970: 1_785_000_000)))
                }
            }
        }
        #expect(throws: LedgerError.self) { try RunStore.inMemory().stageLedger(from: Ledger(), reads: [LedgerRead(provider: "saba", since: .distantPast)]) }
    }
}

@Suite struct RedactionTests {
    @Test func commandLinesLoseTheirSecrets() {
        let args = ["saba-recon", "run", "--jwt", "eyJ.x.y", "--ledger", "postgres://ops:hunter2@db/wallet", "--token=abc"]
        #expect(CommandLineRedactor.redact(args) == ["saba-recon", "run", "--jwt", "[REDACTED]", "--ledger", "postgres://ops:[REDACTED]@db/wallet", "--token=[REDACTED]"])
        #expect(CommandLineRedactor.redact(["x", "Bearer eyJ.x.y"], secrets: ["eyJ.x.y"]) == ["x", "Bearer [REDACTED]"])
        // Secret settings' flags follow their secrecy: a ping URL keeps its host.
        #expect(CommandLineRedactor.redact(["--deadman-url", "https://hc-ping.com/uuid-1", "--deadman-url=https://hc-ping.com/uuid-2"])
                == ["--deadman-url", "https://hc-ping.com/[REDACTED]", "--deadman-url=https://hc-ping.com/[REDACTED]"])
    }
}

@Suite struct RunRetentionTests {
    @Test func keepsTheNewestEndedRunsLatestAndUnfinishedOnes() {
        let runs = [("20260101T000000Z-a", true), ("20260102T000000Z-b", true), ("20260103T000000Z-c", false),
                    ("20260104T000000Z-d", true), ("20260105T000000Z-e", true)]
        #expect(RunFolder.prunable(runs: runs, keep: 2, latest: "20260104T000000Z-d", current: "20260105T000000Z-e")
                == ["20260101T000000Z-a", "20260102T000000Z-b"])
        // latest is kept even when it is old.
        #expect(RunFolder.prunable(runs: runs, keep: 1, latest: "20260101T000000Z-a", current: "20260105T000000Z-e")
                == ["20260102T000000Z-b", "20260104T000000Z-d"])
    }

    /// A nightly resumes a killed run of its days, never one another process is still writing
    /// (a fresh run with the break book off holds no root lock); a resume of a live run is
    /// refused; the lock file goes with the lock.
    @Test func aRunStillBeingWrittenIsNotTakenForAKilledOne() throws {
        let root = TestTemp.url("saba-live")
        let range = TimeRange(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 86_400))
        let plan = WindowPlan(range: range, windows: [], edgeWindows: [], clamped: false)
        let id = "20260102T000000Z-000b"
        let folder = root.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try RunRecord(runId: id, plan: plan, now: Date(timeIntervalSince1970: 86_400)).write(to: folder)
        #expect(RunFolder.unfinished(in: root, range: range)?.runId == id, "a killed run of these days")
        let run = try RunFolder.open(id, in: root)
        var lock: RunLock? = try run.lockForWriting(now: Date())
        #expect(lock != nil && RunFolder.unfinished(in: root, range: range) == nil)
        #expect(throws: JobError.self) { try run.lockForWriting(now: Date()) }
        lock = nil
        #expect(RunFolder.unfinished(in: root, range: range)?.runId == id)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".saba-recon.lock").path))
    }

    @Test func prunesFoldersOnDisk() throws {
        let root = TestTemp.url("saba-keep")
        let plan = WindowPlan(range: TimeRange(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 86_400)),
                              windows: [], edgeWindows: [], clamped: false)
        // b was killed (no manifest); e failed with exit 2 (a manifest, but run.json unfinished): both may be resumed.
        for (id, finished, manifest) in [("20260101T000000Z-a", true, true), ("20260102T000000Z-b", false, false), ("20260103T000000Z-c", true, true),
                                         ("20260103T120000Z-e", false, true), ("20260104T000000Z-d", true, true)] {
            let folder = root.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try RunRecord(runId: id, plan: plan, now: Date(timeIntervalSince1970: 86_400), finished: finished).write(to: folder)
            if manifest { try Data("{}".utf8).write(to: folder.appendingPathComponent("manifest.json")) }
        }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("latest").path, withDestinationPath: "20260104T000000Z-d")
        let removed = try RunFolder.open("20260104T000000Z-d", in: root).prune(keep: 1)
        #expect(removed == ["20260101T000000Z-a", "20260103T000000Z-c"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: root.path)) == ["20260102T000000Z-b", "20260103T120000Z-e", "20260104T000000Z-d", "latest"])
    }
}
