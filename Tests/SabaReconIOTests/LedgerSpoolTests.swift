import Foundation
import GRDB
import Testing
import TestSupport
import SabaReconCore
@testable import SabaReconIO

/// A ledger source handing over a fixed list, in the order given.
struct ListLedger: LedgerSource {
    var entries: [LedgerEntry]
    var displayName: String { "list" }
    func validate() throws {}
    func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws {
        for e in entries where e.provider == provider { try body(e) }
    }
}

private func entry(_ id: String, ticket: String, provider: String = "saba", amount: Money = -10) -> LedgerEntry {
    LedgerEntry(entryId: id, provider: provider, ticketId: ticket, memberId: "m", kind: "bet", amount: amount,
                currency: "USD", createdAt: Date(timeIntervalSince1970: 1_785_000_000))
}

private let everSince = [LedgerRead(provider: "saba", since: .distantPast)]

@Suite struct LedgerSpoolTests {
    func folder() throws -> URL {
        let dir = TestTemp.url("saba-recon-spool")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Tickets "t00000".."t(n-1)", each with two entries, in the walk's order.
    func orderedLedger(_ n: Int) -> [LedgerEntry] {
        (0..<n).flatMap { i -> [LedgerEntry] in
            let t = String(format: "t%05d", i)
            return [entry("\(t)-a", ticket: t), entry("\(t)-b", ticket: t, amount: 25)]
        }
    }

    @Test func entriesComeBackExactlyAsRead() throws {
        let odd = LedgerEntry(entryId: "é-1", provider: "saba", ticketId: "７", memberId: "", kind: "resettle",
                              amount: Money(units: Int128(Int64.max) * 1_000 + 7), currency: "VND",
                              createdAt: Date(timeIntervalSince1970: -1.5), ref: "", eventId: "e\u{0301}<,", marketId: nil,
                              specifiers: String(repeating: "x", count: 70_000))
        let plain = entry("z", ticket: "８", amount: Money(units: -Int128(Int64.max) * 3))
        for store in [try RunStore.inMemory(), try RunStore.files(in: folder())] {
            try store.stageLedger(from: ListLedger(entries: [odd, plain]), reads: everSince)
            #expect(store.spool.index != nil)
            var seen: [LedgerEntry] = []
            try store.spool.entries { seen.append($0) }
            #expect(seen == [odd, plain])
        }
    }

    @Test func anOrderedLedgerIsSpooledAndNotCopiedIntoTheTable() throws {
        let store = try RunStore.files(in: folder())
        let staged = try store.stageLedger(from: ListLedger(entries: orderedLedger(3000)), reads: everSince)
        #expect(staged.entries == 6000)
        #expect(store.spool.index?.records == 6000)
        #expect(try store.ledger.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ledger") } == 0)
        var groups = 0, entries = 0
        try store.forEachGroup { _, list in
            groups += 1
            entries += list.count
        }
        #expect(groups == 3000 && entries == 6000)
    }

    @Test func theSameLedgerGivesTheSameDigestSpooledOrSorted() throws {
        let ordered = orderedLedger(50)
        let spooled = try RunStore.inMemory().stageLedger(from: ListLedger(entries: ordered), reads: everSince)
        // Reversed, the entries go to the table; the digest is over the order read, so it
        // differs, but the walk's groups are the same.
        let sortedStore = try RunStore.inMemory()
        try sortedStore.stageLedger(from: ListLedger(entries: ordered.reversed()), reads: everSince)
        #expect(sortedStore.spool.index == nil)
        let spooledStore = try RunStore.inMemory()
        #expect(try spooledStore.stageLedger(from: ListLedger(entries: ordered), reads: everSince) == spooled)
        func groups(_ s: RunStore) throws -> [String] {
            var out: [String] = []
            try s.forEachGroup { _, list in out.append(list.map(\.entryId).joined(separator: ",")) }
            return out
        }
        #expect(try groups(sortedStore) == groups(spooledStore))
    }

    @Test func entriesOutOfOrderPartWayMoveToTheTable() throws {
        var list = orderedLedger(2000)
        list.append(entry("late", ticket: "t00010"))  // after t01999: out of order
        list.append(entry("later", ticket: "t02500"))
        let store = try RunStore.files(in: folder())
        let staged = try store.stageLedger(from: ListLedger(entries: list), reads: everSince)
        #expect(staged.entries == 4002)
        #expect(store.spool.index == nil)
        var tenth: [String] = []
        try store.forEachGroup { _, es in if es.first?.ticketId == "t00010" { tenth = es.map(\.entryId) } }
        #expect(tenth == ["late", "t00010-a", "t00010-b"])
    }

    @Test func halvesFromTheIndexCoverTheWalkOnce() throws {
        let store = try RunStore.files(in: folder())
        try store.stageLedger(from: ListLedger(entries: orderedLedger(5000)), reads: everSince)
        var whole: [String] = []
        try store.forEachGroup { _, es in whole += es.map(\.entryId) }
        for pivot in ["t00000", "t01024", "t02047", "t03333", "t04999", "t9"] {
            var halves: [String] = []
            try store.forEachGroup(below: pivot) { _, es in halves += es.map(\.entryId) }
            try store.forEachGroup(from: pivot) { _, es in halves += es.map(\.entryId) }
            #expect(halves == whole, "pivot \(pivot)")
        }
    }

    @Test func anEntryIdOnTwoTicketsIsAnError() throws {
        var list = orderedLedger(1000)
        list.append(entry("t00003-a", ticket: "t99999"))
        let error = #expect(throws: LedgerError.self) {
            try RunStore.inMemory().stageLedger(from: ListLedger(entries: list), reads: everSince)
        }
        #expect(error?.description == "ledger entry_id t00003-a appears twice; entry_id must be unique")
    }

    @Test func anEntryIdInTheSpoolAndInARefundProviderIsAnError() throws {
        let list = orderedLedger(10) + [entry("t00004-b", ticket: "round-1", provider: "ebet")]
        let reads = everSince + [LedgerRead(provider: "ebet", since: .distantPast)]
        #expect(throws: LedgerError.self) { try RunStore.inMemory().stageLedger(from: ListLedger(entries: list), reads: reads) }
        // Without the repeat, the refund provider's entries are in the table for the judge.
        let store = try RunStore.inMemory()
        try store.stageLedger(from: ListLedger(entries: orderedLedger(10) + [entry("r1", ticket: "round-1", provider: "ebet")]), reads: reads)
        #expect(try store.entries(provider: "ebet", ticketId: "round-1").map(\.entryId) == ["r1"])
        #expect(store.spool.index?.records == 20)
    }

    @Test func aDamagedSpoolIsAnErrorNotAShortWalk() throws {
        let dir = try folder()
        let store = try RunStore.files(in: dir)
        try store.stageLedger(from: ListLedger(entries: orderedLedger(100)), reads: everSince)
        let path = dir.appendingPathComponent(LedgerSpool.fileName).path
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(truncate(path, off_t(size - 10)) == 0)
        let error = #expect(throws: RunStoreError.self) { try store.forEachGroup { _, _ in } }
        #expect(error?.description.contains("ledger.spool is damaged") == true)
        // A length word that is not a record's is refused before it is read.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: [0xFF, 0xFF, 0xFF, 0x7F])
        try handle.close()
        #expect(throws: RunStoreError.self) { try store.forEachGroup { _, _ in } }
    }

    @Test func theIdFilterNeverMissesAnIdAndRarelyCriesWolf() {
        var filter = EntryIdFilter()
        var wolves = 0
        for i in 0..<600_000 where filter.insert("w-\(i)") { wolves += 1 }
        #expect(wolves < 3_000)  // under 0.5%
        for i in stride(from: 0, to: 600_000, by: 997) {
            let again = filter.insert("w-\(i)")
            #expect(again)
        }
    }
}

@Suite struct SQLiteLedgerOrderTests {
    func ledgerFile(_ entries: [LedgerEntry]) throws -> SQLiteLedgerSource {
        let dir = TestTemp.url("saba-recon-order")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("ledger.sqlite").path
        try SQLiteLedgerWriter.write(entries, to: path)
        return try SQLiteLedgerSource(path: path)
    }

    /// Rows that are awkward as bytes: invalid UTF-8, an INTEGER ticket_id, kinds in upper
    /// case and beyond ASCII, NULLs, a REAL amount, Unix seconds, a ticket's entries stored
    /// out of order. The staging reads SQLite's bytes straight into the spool; what it
    /// keeps, and the ledger's checksum, are pinned to what reading each row as `String`s
    /// gave before (`c53170b`), so a checksum in an earlier run's manifest still compares.
    @Test func theByteReadKeepsWhatTextReadsGaveAndTheChecksum() throws {
        let dir = TestTemp.url("saba-recon-bytes")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE ledger (entry_id TEXT, provider TEXT, ticket_id, member_id TEXT, kind TEXT, amount,
                    currency TEXT, created_at, ref TEXT, event_id TEXT, market_id TEXT, specifiers TEXT);
                INSERT INTO ledger VALUES ('t1-b', 'saba', 't1', CAST(X'6DFF31' AS TEXT), 'SETTLE', '12.50', 'USD', '2026-06-03T11:56:12Z', 'r', NULL, NULL, NULL);
                INSERT INTO ledger VALUES ('t1-a', 'saba', 't1', 'm1', 'bet', -10, 'USD', '2026-06-03T11:00:00+08:00', NULL, 'e1', 'mk', 'hcp=-0.5');
                INSERT INTO ledger VALUES ('t1-c', 'saba', 't1', 'm1', CAST(X'52C389464E44' AS TEXT), 1.25, NULL, 1780000000, '', NULL, NULL, NULL);
                INSERT INTO ledger VALUES (CAST(X'E282AC2DFE' AS TEXT), 'saba', 7, NULL, 'bét', ' 3.000001 ', 'VND', 1780000000.5, CAST(X'65CC81' AS TEXT), '<,>', NULL, NULL);
                INSERT INTO ledger VALUES ('other', 'ebet', 't1', 'm', 'bet', '1', 'USD', '2026-06-03T11:00:00Z', NULL, NULL, NULL, NULL);
                CREATE INDEX ledger_ticket ON ledger(provider, ticket_id);
                """)
        }
        let store = try RunStore.inMemory()
        let staged = try store.stageLedger(from: SQLiteLedgerSource(path: path), reads: everSince)
        var entries: [LedgerEntry] = []
        try store.spool.entries { entries.append($0) }
        let when = { (seconds: Double) in Date(timeIntervalSince1970: seconds) }
        let money = { (text: String) in Money.parse(text) ?? .zero }
        #expect(entries == [
            LedgerEntry(entryId: "\u{20AC}-\u{FFFD}", provider: "saba", ticketId: "7", memberId: "", kind: "bét",
                        amount: money("3.000001"), currency: "VND", createdAt: when(1_780_000_000.5), ref: "e\u{301}", eventId: "<,>"),
            LedgerEntry(entryId: "t1-a", provider: "saba", ticketId: "t1", memberId: "m1", kind: "bet", amount: money("-10"),
                        currency: "USD", createdAt: when(1_780_455_600), eventId: "e1", marketId: "mk", specifiers: "hcp=-0.5"),
            LedgerEntry(entryId: "t1-b", provider: "saba", ticketId: "t1", memberId: "m\u{FFFD}1", kind: "settle",
                        amount: money("12.5"), currency: "USD", createdAt: when(1_780_487_772), ref: "r"),
            LedgerEntry(entryId: "t1-c", provider: "saba", ticketId: "t1", memberId: "m1", kind: "réfnd",
                        amount: money("1.25"), currency: "", createdAt: when(1_780_000_000), ref: ""),
        ])
        #expect(staged == StagedLedger(entries: 4, sha256: "dfc973e2ff4bc4f70825a21e3b9be44296e5dab9b4372ef5f4391fe9500018dc"))
    }

    /// A ticket's entries of more bytes than the source holds to sort are handed over as
    /// stored (memory stays bounded); the table sorts them, and the walk is in order. A row
    /// of more text than a record may hold is an error naming it, copied nowhere.
    @Test func bulkyRowsAreBoundedAndAnOversizedOneIsNamed() throws {
        let bulk = String(repeating: "x", count: 900_000)
        var rows = (0..<6).reversed().map { i in
            LedgerEntry(entryId: "big-\(i)", provider: "saba", ticketId: "t1", memberId: "m", kind: "bet", amount: -1,
                        currency: "USD", createdAt: Date(timeIntervalSince1970: 1_785_000_000), specifiers: bulk)
        }
        let store = try RunStore.inMemory()
        #expect(try store.stageLedger(from: ledgerFile(rows), reads: everSince).entries == 6)
        #expect(store.spool.index == nil)
        var ids: [String] = []
        try store.forEachGroup { _, es in ids += es.map(\.entryId) }
        #expect(ids == (0..<6).map { "big-\($0)" })

        rows[2].specifiers = String(repeating: "y", count: LedgerSpool.maxRecordBytes)
        let error = #expect(throws: LedgerError.self) { try store.stageLedger(from: ledgerFile(rows), reads: everSince) }
        #expect(error?.description == "ledger entry big-3 holds more than \(LedgerSpool.maxRecordBytes) bytes of text")
    }

    /// Rows stored in the reverse of the walk's order: SQLite orders by ticket_id, the source
    /// puts each ticket's entries in entry_id byte order, and they are spooled.
    @Test func eachTicketsEntriesComeInEntryIdOrder() throws {
        let wanted = ["B", "a", "a2", "b"]  // byte order: uppercase first
        var rows: [LedgerEntry] = []
        for t in ["t2", "t1"] { for id in wanted.reversed() { rows.append(entry("\(t)-\(id)", ticket: t)) } }
        let source = try ledgerFile(rows)
        var read: [String] = []
        try source.forEachEntry(provider: "saba", since: .distantPast) { read.append($0.entryId) }
        #expect(read == ["t1-B", "t1-a", "t1-a2", "t1-b", "t2-B", "t2-a", "t2-a2", "t2-b"])
        let store = try RunStore.inMemory()
        try store.stageLedger(from: source, reads: everSince)
        #expect(store.spool.index?.records == 8)
    }

    /// A ticket with more entries than the source holds to sort is handed over as stored;
    /// the staging then sorts the whole ledger in the table, and the walk is still in order.
    @Test func aTicketWithThousandsOfEntriesIsSortedByTheTable() throws {
        let count = SQLiteLedgerSource.maxGroup + 100
        let rows = (0..<count).reversed().map { entry(String(format: "big-%05d", $0), ticket: "t1") } + [entry("z", ticket: "t0")]
        let store = try RunStore.inMemory()
        let staged = try store.stageLedger(from: try ledgerFile(rows), reads: everSince)
        #expect(staged.entries == count + 1)
        #expect(store.spool.index == nil)
        var groups: [[String]] = []
        try store.forEachGroup { _, es in groups.append(es.map(\.entryId)) }
        #expect(groups.count == 2)
        #expect(groups.last == (0..<count).map { String(format: "big-%05d", $0) })
    }
}

@Suite struct ByteOrderTests {
    @Test func textsCompareByTheirBytesNotByCanonicalEquivalence() {
        let composed = "\u{e9}", decomposed = "e\u{301}"
        #expect(composed == decomposed)  // String's own ==
        #expect(!ByteOrder.equal(composed, decomposed))
        #expect(ByteOrder.precedes(decomposed, composed))  // 0x65 before 0xC3
        #expect(ByteOrder.precedes("B", "a") && ByteOrder.precedes("a", "a2") && !ByteOrder.precedes("a", "a"))
        #expect(ByteOrder.precedes("", "a") && ByteOrder.equal("", ""))
        let long = String(repeating: "x", count: 40)
        #expect(ByteOrder.precedes(long, long + "y") && ByteOrder.compare(long + "z", long + "y") > 0)
    }

    /// A ledger row's ticket id that only looks like the ticket's (other bytes) is not the
    /// ticket's: the walk groups by bytes, the order both sides are sorted in.
    @Test func theWalkGroupsByBytes() throws {
        let store = try RunStore.inMemory()
        let window = FetchWindow(index: 0, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 1))
        _ = try store.stage(FetchCall(window: window, kind: .settled)) { stage in
            try stage(Ticket(transId: "\u{e9}", memberId: "m", stake: 10, transTime: Date(timeIntervalSince1970: 1_785_000_000),
                             status: TicketStatus("running"), currency: 3))
            return FetchStats(tickets: 1)
        }
        try store.stageLedger(from: ListLedger(entries: [entry("x", ticket: "e\u{301}"), entry("y", ticket: "\u{e9}")]), reads: everSince)
        var groups: [String] = []
        try store.forEachGroup { t, es in groups.append("\(t == nil ? "-" : "t"):\(es.map(\.entryId).joined())") }
        #expect(groups == ["-:x", "t:y"])
    }
}

@Suite struct LedgerStagingFailureTests {
    private func folder() throws -> URL {
        let dir = TestTemp.url("saba-recon-spoolfail")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    private func ordered(_ n: Int) -> [LedgerEntry] {
        (0..<n).map { entry(String(format: "e%05d", $0), ticket: String(format: "t%05d", $0)) }
    }

    /// Past the filter's candidate limit every id is counted exactly, on disk: a repeat is
    /// still found and a clean ledger still passes (limit 0 forces that path).
    @Test func everyIdIsCountedExactlyPastTheCandidateLimit() throws {
        let store = try RunStore.inMemory()
        let clean = ordered(3000) + [entry("r1", ticket: "round-1", provider: "ebet")]
        let reads = everSince + [LedgerRead(provider: "ebet", since: .distantPast)]
        #expect(try store.stageLedger(from: ListLedger(entries: clean), reads: reads, candidateLimit: 0).entries == 3001)
        let repeated = ordered(3000) + [entry("e01234", ticket: "round-1", provider: "ebet")]
        let error = #expect(throws: LedgerError.self) {
            try store.stageLedger(from: ListLedger(entries: repeated), reads: reads, candidateLimit: 0)
        }
        #expect(error?.description == "ledger entry_id e01234 appears twice; entry_id must be unique")
        // The temporary table went with the failed staging's transaction: a third one works.
        #expect(try store.stageLedger(from: ListLedger(entries: clean), reads: reads, candidateLimit: 0).entries == 3001)
    }

    /// A staging that stops part-way leaves no walk to make, and no partial spool on disk.
    @Test func aStoppedStagingCannotBeWalked() throws {
        let dir = try folder()
        let store = try RunStore.files(in: dir)
        try store.stageLedger(from: ListLedger(entries: ordered(5000)), reads: everSince)
        var rows = 0
        #expect(throws: StagingStopped.self) {
            try store.stageLedger(from: ListLedger(entries: ordered(5000)), reads: everSince, shouldStop: {
                rows += 1
                return rows > 2500
            })
        }
        let error = #expect(throws: RunStoreError.self) { try store.forEachGroup { _, _ in } }
        #expect(error?.description.contains("staging failed") == true)
        let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(LedgerSpool.fileName).path)[.size] as? Int
        #expect(size == 0)
    }

    /// Entries that fall back to the table leave the spool file empty, not half a ledger.
    @Test func aFallbackEmptiesTheSpoolFile() throws {
        let dir = try folder()
        let store = try RunStore.files(in: dir)
        try store.stageLedger(from: ListLedger(entries: ordered(3000) + [entry("late", ticket: "t00001")]), reads: everSince)
        #expect(store.spool.index == nil)
        let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(LedgerSpool.fileName).path)[.size] as? Int
        #expect(size == 0)
        var entries = 0
        try store.forEachGroup { _, es in entries += es.count }
        #expect(entries == 3001)
    }
}
