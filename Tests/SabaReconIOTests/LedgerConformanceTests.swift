import Foundation
import TestSupport
import GRDB
import Testing
import SabaReconCore
@testable import SabaReconIO

/// One suite, two stores: the same ledger read through SQLite and through a real PostgreSQL
/// must give the same entries and the same errors.
enum LedgerStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    /// Column types as an operator would declare them in each database.
    var ddl: String {
        switch self {
        case .sqlite:
            return "CREATE TABLE ledger (entry_id TEXT PRIMARY KEY, provider TEXT, ticket_id TEXT, member_id TEXT, kind TEXT, amount TEXT, currency TEXT, created_at TEXT, ref TEXT, event_id TEXT, market_id TEXT, specifiers TEXT)"
        case .postgres:
            return "CREATE TABLE ledger (entry_id text PRIMARY KEY, provider text, ticket_id text, member_id text, kind text, amount numeric(38,12), currency text, created_at timestamptz, ref text, event_id text, market_id text, specifiers text)"
        }
    }

    /// Creates a ledger from SQL statements and returns its source. With no PostgreSQL the
    /// test fails under CI and is reported skipped elsewhere (`TestPostgres.server()`).
    func make(_ statements: [String]) throws -> any LedgerSource {
        switch self {
        case .sqlite:
            let dir = TestTemp.url("saba-conf")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let path = dir.appendingPathComponent("ledger.sqlite").path
            let q = try DatabaseQueue(path: path)
            try q.write { db in for s in statements { try db.execute(sql: s) } }
            try q.close()
            return try SQLiteLedgerSource(path: path)
        case .postgres:
            let pg = try TestPostgres.server()
            let (url, name) = try pg.makeDatabase()
            try pg.psql(statements.joined(separator: ";\n"), database: name)
            return try PostgresLedgerSource(url: url)
        }
    }
}

@Suite(.serialized) struct LedgerConformanceTests {
    static let rows = [
        "INSERT INTO ledger VALUES ('a', 'saba', 't1', 'm1', 'bet', '-12.50', 'USD', '2026-07-26T15:30:43Z', NULL, NULL, NULL, NULL)",
        "INSERT INTO ledger VALUES ('b', 'saba', 't1', 'm1', 'SETTLE', '0.1', 'USD', '2026-07-26T15:30:43.250Z', 'r1', NULL, NULL, NULL)",
        "INSERT INTO ledger VALUES ('c', 'saba', 't2', 'm2', 'bet', '123456789012345.123456789', 'VND', '2026-07-26T11:30:43-04:00', NULL, NULL, NULL, NULL)",
        "INSERT INTO ledger VALUES ('d', 'feed', 'f1', 'p', 'bet', '-50', 'USD', '2026-07-26T15:30:43Z', NULL, 'sr:match:1', '303', 'hcp=-1.5')",
        "INSERT INTO ledger VALUES ('e', 'saba', 't3', 'm3', 'refund', '7', 'USD', '2026-07-26T15:30:43Z', NULL, NULL, NULL, NULL)",
    ]

    /// Ledger reads block their thread (PostgresNIO hands rows over from Swift's pool), so tests
    /// make them on a thread of their own, as the job does.
    func read(_ source: any LedgerSource, provider: String) async throws -> [String: LedgerEntry] {
        try await blocking {
            var out: [String: LedgerEntry] = [:]
            try source.forEachEntry(provider: provider, since: .distantPast) { out[$0.entryId] = $0 }
            return out
        }
    }

    func validate(_ source: any LedgerSource) async throws {
        try await blocking { try source.validate() }
    }

    @Test(arguments: LedgerStore.allCases)
    func readsEntriesExactlyAndInUTC(store: LedgerStore) async throws {
        let source = try store.make([store.ddl] + Self.rows)
        try await validate(source)
        let saba = try await read(source, provider: "saba")
        let t = UTCTime.parse("2026-07-26T15:30:43Z")!
        #expect(Set(saba.keys) == ["a", "b", "c", "e"])
        #expect(saba["a"]?.amount == Money.parse("-12.50") && saba["a"]?.createdAt == t)
        #expect(saba["b"]?.amount == Money.parse("0.1") && saba["b"]?.createdAt == t.addingTimeInterval(0.25))
        #expect(saba["b"]?.kind == "settle" && saba["b"]?.ref == "r1")
        #expect(saba["c"]?.amount == Money.parse("123456789012345.123456789"))
        #expect(saba["c"]?.createdAt == t)
        #expect(saba["e"]?.amount == 7)
        let feed = try await read(source, provider: "feed")
        #expect(feed["d"] == LedgerEntry(entryId: "d", provider: "feed", ticketId: "f1", memberId: "p", kind: "bet", amount: -50, currency: "USD",
                                         createdAt: t, ref: nil, eventId: "sr:match:1", marketId: "303", specifiers: "hcp=-1.5"))
    }

    @Test(arguments: LedgerStore.allCases)
    func aMissingTableIsNamed(store: LedgerStore) async throws {
        let source = try store.make(["CREATE TABLE other (x text)"])
        do {
            try await validate(source)
            Issue.record("validated a ledger without its table")
        } catch {
            #expect(String(describing: error).contains("no table or view 'ledger'"), "\(error)")
        }
    }

    @Test(arguments: LedgerStore.allCases)
    func aMissingColumnIsNamed(store: LedgerStore) async throws {
        let ddl = store.ddl.replacingOccurrences(of: ", specifiers TEXT", with: "").replacingOccurrences(of: ", specifiers text", with: "")
        let source = try store.make([ddl])
        do {
            try await validate(source)
            Issue.record("validated a ledger without specifiers")
        } catch {
            #expect(String(describing: error).contains("missing column specifiers"), "\(error)")
        }
    }

    @Test(arguments: LedgerStore.allCases)
    func aViewWithTheSameColumnsWorks(store: LedgerStore) async throws {
        let statements = [store.ddl.replacingOccurrences(of: "TABLE ledger", with: "TABLE wallet_tx")]
            + Self.rows.map { $0.replacingOccurrences(of: "INTO ledger", with: "INTO wallet_tx") }
            + ["CREATE VIEW ledger AS SELECT * FROM wallet_tx WHERE provider = 'saba'"]
        let source = try store.make(statements)
        try await validate(source)
        #expect(try await read(source, provider: "saba").count == 4)
    }
}

@Suite(.serialized) struct PostgresLedgerTests {
    func server() throws -> TestPostgres { try TestPostgres.server() }

    @Test func timestampWithoutZoneAndUnixSecondsColumnsAreUTC() async throws {
        let pg = try server()
        let (url, name) = try pg.makeDatabase()
        try pg.psql("""
            CREATE TABLE naive (entry_id text, provider text, ticket_id text, member_id text, kind text, amount double precision, currency text,
                                created_at timestamp, ref text, event_id text, market_id text, specifiers text);
            INSERT INTO naive VALUES ('a', 'saba', 't', 'm', 'bet', 0.3, 'USD', '2026-07-26 15:30:43', NULL, NULL, NULL, NULL);
            CREATE TABLE unix (entry_id text, provider text, ticket_id text, member_id text, kind text, amount bigint, currency text,
                               created_at bigint, ref text, event_id text, market_id text, specifiers text);
            INSERT INTO unix VALUES ('b', 'saba', 't', 'm', 'bet', -1250, 'USD', 1785079843, NULL, NULL, NULL, NULL);
            CREATE TABLE zoned (entry_id text, provider text, ticket_id text, member_id text, kind text, amount numeric, currency text,
                                created_at timestamptz, ref text, event_id text, market_id text, specifiers text);
            INSERT INTO zoned VALUES ('c', 'saba', 't', 'm', 'bet', 7, 'USD', '2026-07-26 15:30:43+00', NULL, NULL, NULL, NULL);
            -- The database's own zone, which every new session (the job's included) starts in.
            ALTER DATABASE "\(name)" SET timezone TO 'Asia/Manila';
            """, database: name)
        let t = UTCTime.parse("2026-07-26T15:30:43Z")!
        for (table, id, amount) in [("naive", "a", "0.3"), ("unix", "b", "-1250"), ("zoned", "c", "7")] {
            let source = try PostgresLedgerSource(url: url, table: table)
            let got: [LedgerEntry] = try await blocking {
                try source.validate()
                var got: [LedgerEntry] = []
                try source.forEachEntry(provider: "saba", since: .distantPast) { got.append($0) }
                return got
            }
            #expect(got.map(\.entryId) == [id])
            #expect(got.first?.createdAt == t)
            #expect(got.first?.amount == Money.parse(amount))
        }
    }

    @Test func aPasswordNeverReachesAnError() async throws {
        let pg = try server()
        let source = try PostgresLedgerSource(url: "postgres://postgres:s3cret-pw@127.0.0.1:\(pg.port)/no_such_db?sslmode=disable")
        do {
            try await blocking { try source.validate() }
            Issue.record("connected to a database that does not exist")
        } catch {
            let text = String(describing: error)
            #expect(!text.contains("s3cret-pw"))
            #expect(text.contains("[REDACTED]") || text.contains("no_such_db"), "\(text)")
        }
        #expect(!source.displayName.contains("s3cret-pw"))
    }

    @Test func sslmodeIsCheckedAndPGPASSWORDIsUsed() throws {
        #expect(throws: LedgerError.self) { try PostgresLedgerSource(url: "postgres://u@h/db?sslmode=sometimes") }
        let source = try PostgresLedgerSource(url: "postgres://u@h:6543/db?sslmode=require", environment: ["PGPASSWORD": "from-env"])
        #expect(source.configuration.password == "from-env")
        #expect(source.configuration.port == 6543)
    }
}
