import Foundation
import Logging
import NIOCore
import PostgresNIO
import SabaReconCore
import Testing
import TestSupport
@testable import SabaReconIO

/// The PostgreSQL ledger as operators run it (issue 13): the range read in SQL with an
/// index, every form of `created_at`, libpq's environment and password file, TLS with the
/// operator's root certificate, one connection per run, exact numeric decoding.
@Suite(.serialized) struct PostgresLedgerRangeTests {
    static let columns = "entry_id text, provider text, ticket_id text, member_id text, kind text, amount numeric, currency text, created_at %@, ref text, event_id text, market_id text, specifiers text"
    static let bound = UTCTime.parse("2026-07-01T00:00:00Z")!

    func read(_ source: PostgresLedgerSource, since: Date, provider: String = "saba") async throws -> [LedgerEntry] {
        try await blocking {
            try source.validate()
            var got: [LedgerEntry] = []
            try source.forEachEntry(provider: provider, since: since) { got.append($0) }
            return got
        }
    }

    /// The plan PostgreSQL makes for the source's own statement, with sequential scans
    /// priced out so the plan shows whether the bound can use the index at all.
    func plan(_ source: PostgresLedgerSource, since: Date) async throws -> String {
        let query = try await blocking { try source.query(provider: "saba", since: since) }
        let configuration = source.configuration
        return try await blocking {
            try Blocking.run {
                let c = try await PostgresConnection.connect(configuration: configuration, id: 99, logger: Logger(label: "explain"))
                defer { Task { try? await c.close() } }
                _ = try await c.query("SET enable_seqscan = off", logger: Logger(label: "explain"))
                var lines: [String] = []
                for try await line in try await c.query(PostgresQuery(unsafeSQL: "EXPLAIN " + query.sql, binds: query.binds), logger: Logger(label: "explain")).decode(String.self) {
                    lines.append(line)
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    @Test func aMillionRowsOfHistoryAreNotRead() async throws {
        let pg = try TestPostgres.server()
        let (url, name) = try pg.makeDatabase()
        let cols = String(format: Self.columns, "timestamptz")
        // A few seconds of loading: on a thread of its own, not the concurrency pool's.
        try await blocking { try pg.psql("""
            CREATE TABLE ledger (\(cols));
            CREATE TABLE ledger_range (\(cols));
            INSERT INTO ledger_range SELECT 'r-' || g, 'saba', 't' || (g % 700), 'm' || (g % 50), CASE WHEN g % 2 = 0 THEN 'bet' ELSE 'settle' END,
                   (g % 1000) / 100.0 - 5, 'USD', timestamptz '2026-07-01 00:00:00+00' + g * interval '37 seconds', NULL, NULL, NULL, NULL
              FROM generate_series(0, 19999) g;
            INSERT INTO ledger SELECT * FROM ledger_range;
            INSERT INTO ledger SELECT 'old-' || g, 'saba', 'o' || g, 'm', 'bet', -1.25, 'USD',
                   timestamptz '2025-01-01 00:00:00+00' + g * interval '15 seconds', NULL, NULL, NULL, NULL
              FROM generate_series(1, 1000000) g;
            CREATE INDEX ledger_created_at ON ledger (created_at);
            ANALYZE ledger;
            """, database: name) }
        let withHistory = try PostgresLedgerSource(url: url, table: "ledger")
        let rangeOnly = try PostgresLedgerSource(url: url, table: "ledger_range")
        let a = try await read(withHistory, since: Self.bound)
        let b = try await read(rangeOnly, since: Self.bound)
        #expect(a.count == 20_000)
        #expect(a == b, "the history changed what the run reads")
        #expect(withHistory.rowsRead == 20_000, "rows sent by the server: \(withHistory.rowsRead)")
        let plan = try await plan(withHistory, since: Self.bound)
        #expect(plan.contains("ledger_created_at"), "\(plan)")
        // Without the pricing trick too: the planner picks the index for a small range of a big table.
        // close() waits for PostgresNIO on the concurrency pool: never from a pool thread.
        try await blocking { withHistory.close(); rangeOnly.close() }
    }

    /// (column type, value SQL for a time given as Unix seconds)
    static let forms: [(String, @Sendable (Int) -> String)] = [
        ("timestamptz", { "to_timestamp(\($0))" }),
        ("timestamp", { "(to_timestamp(\($0)) AT TIME ZONE 'UTC')" }),
        ("bigint", { "\($0)" }),
        ("integer", { "\($0)" }),
        ("numeric", { "\($0).5" }),
        ("double precision", { "\($0).25" }),
        ("text", { "to_char(to_timestamp(\($0)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" }),
        ("varchar", { "to_char(to_timestamp(\($0)) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')" }),
    ]

    @Test(arguments: [false, true])
    func everyFormOfCreatedAtIsBoundInSQL(indexed: Bool) async throws {
        let pg = try TestPostgres.server()
        let (url, name) = try pg.makeDatabase()
        // Sessions start in a zone that is not UTC: a naive timestamp must still be read as UTC.
        try pg.psql("ALTER DATABASE \"\(name)\" SET timezone TO 'Asia/Manila'")
        let b = Int(Self.bound.timeIntervalSince1970)
        // Two days before, a second before, the bound itself (numeric and double land half a
        // second after it), a day after.
        let times = [b - 2 * 86_400, b - 1, b, b + 86_400]
        for (type, value) in Self.forms {
            let table = "t_" + type.replacingOccurrences(of: " ", with: "_")
            var sql = "CREATE TABLE \(table) (\(String(format: Self.columns, type)));\n"
            for (i, t) in times.enumerated() {
                sql += "INSERT INTO \(table) VALUES ('e\(i)', 'saba', 't\(i)', 'm', 'bet', -1, 'USD', \(value(t)), NULL, NULL, NULL, NULL);\n"
            }
            if indexed { sql += "CREATE INDEX \(table)_created ON \(table) (created_at);\n" }
            try pg.psql(sql, database: name)
            let source = try PostgresLedgerSource(url: url, table: table)
            let got = try await read(source, since: Self.bound)
            #expect(got.map(\.entryId) == ["e2", "e3"], "\(type): \(got.map(\.entryId))")
            // ISO text is bound by day: at most the day before comes along, never the rows of two days before.
            #expect(source.rowsRead <= 3, "\(type): \(source.rowsRead) rows read")
            if indexed {
                let plan = try await plan(source, since: Self.bound)
                #expect(plan.contains("\(table)_created"), "\(type) does not use its index:\n\(plan)")
            }
            try await blocking { source.close() }
        }
    }

    @Test func unixSecondsWrittenAsTextAreAllReadAndJudgedInSwift() async throws {
        let pg = try TestPostgres.server()
        let (url, name) = try pg.makeDatabase()
        let b = Int(Self.bound.timeIntervalSince1970)
        try pg.psql("""
            CREATE TABLE ledger (\(String(format: Self.columns, "text")));
            INSERT INTO ledger VALUES ('old', 'saba', 't1', 'm', 'bet', -1, 'USD', '\(b - 10)', NULL, NULL, NULL, NULL);
            INSERT INTO ledger VALUES ('new', 'saba', 't2', 'm', 'bet', -1, 'USD', '\(b + 10)', NULL, NULL, NULL, NULL);
            INSERT INTO ledger VALUES ('iso', 'saba', 't3', 'm', 'bet', -1, 'USD', '2026-07-02T08:00:00+08:00', NULL, NULL, NULL, NULL);
            """, database: name)
        let source = try PostgresLedgerSource(url: url)
        let got = try await read(source, since: Self.bound)
        #expect(got.map(\.entryId) == ["new", "iso"])
        try await blocking { source.close() }
    }

    @Test func oneConnectionServesTheWholeRun() async throws {
        let pg = try TestPostgres.server()
        let (url, name) = try pg.makeDatabase()
        try pg.psql("""
            CREATE TABLE ledger (\(String(format: Self.columns, "timestamptz")));
            INSERT INTO ledger VALUES ('a', 'saba', 't', 'm', 'bet', -1, 'USD', now(), NULL, NULL, NULL, NULL);
            INSERT INTO ledger VALUES ('b', 'jdb', 't', 'm', 'bet', -1, 'USD', now(), NULL, NULL, NULL, NULL);
            """, database: name)
        @Sendable func sessions() throws -> Int { Int(try pg.psqlValue("SELECT sessions FROM pg_stat_database WHERE datname = '\(name)'")) ?? -1 }
        // The fixture's own session ends, and its statistics arrive, before counting.
        let before = try await blocking {
            var n = try sessions()
            for _ in 0..<20 where n < 1 { usleep(100_000); n = try sessions() }
            return n
        }
        let source = try PostgresLedgerSource(url: url + "&application_name=recon-one-connection")
        let names: [String] = try await blocking {
            try source.validate()
            var seen: [String] = []
            for provider in ["saba", "ebet", "jdb", "feed"] {
                try source.forEachEntry(provider: provider, since: .distantPast) { seen.append($0.entryId) }
            }
            return seen
        }
        #expect(names == ["a", "b"])
        #expect(source.connectionsOpened == 1)
        // The server saw it too: one session of that name, read-only, with the time limit.
        let activity = try pg.psqlValue("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'recon-one-connection'")
        #expect(activity == "1")
        let settings: [String] = try await blocking {
            try Blocking.run {
                let c = try await source.connection()
                var out: [String] = []
                for name in ["default_transaction_read_only", "statement_timeout", "application_name"] {
                    for try await v in try await c.query(PostgresQuery(unsafeSQL: "SHOW \(name)"), logger: Logger(label: "t")).decode(String.self) { out.append(v) }
                }
                return out
            }
        }
        #expect(settings == ["on", "10min", "recon-one-connection"])
        let after = try await blocking {
            source.close()
            var n = try sessions()
            for _ in 0..<30 where n == before { usleep(100_000); n = try sessions() }
            return n
        }
        #expect(after - before == 1, "sessions before \(before), after \(after)")
        #expect(try pg.psqlValue("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'recon-one-connection'") == "0")
    }

    @Test func numericIsDecodedExactlyFromItsBinaryForm() async throws {
        let pg = try TestPostgres.server()
        let exact = ["0", "-0.5", "7", "10000", "0.000000000001", "-0.000100000000", "123456789012345.123456789012",
                     "-999999999999999.999999999999", "20000.0001", "1e-12", "3.14159265358979"]
        let inexact = ["0.0000000000001", "1000000000000000", "NaN", "Infinity"]
        let source = try PostgresLedgerSource(url: pg.url)
        let cells: [(String, Result<Money, LedgerError>)] = try await blocking {
            try Blocking.run {
                let c = try await source.connection()
                var out: [(String, Result<Money, LedgerError>)] = []
                for text in exact + inexact {
                    let rows = try await c.query(PostgresQuery(unsafeSQL: "SELECT '\(text)'::numeric"), logger: Logger(label: "t"))
                    for try await row in rows {
                        let cell = row.makeRandomAccess()[0]
                        #expect(cell.format == .binary)
                        out.append((text, Result { try PostgresCellReader.amount(cell, entryId: "x") }.mapError { $0 as? LedgerError ?? LedgerError("\($0)") }))
                    }
                }
                return out
            }
        }
        try await blocking { source.close() }
        for (text, result) in cells {
            if exact.contains(text) {
                #expect((try? result.get()) == Money.parse(text == "1e-12" ? "0.000000000001" : text), "\(text)")
            } else {
                #expect((try? result.get()) == nil, "\(text) should be refused")
            }
        }
    }
}
