import Foundation
import GRDB
import SabaReconCore
import Testing
import TestSupport
@testable import SabaReconIO

/// SQLite's ledger read bounded in SQL by created_at's declared type (its affinity).
@Suite struct SQLiteLedgerRangeTests {
    static let bound = UTCTime.parse("2026-07-01T00:00:00Z")!

    func ledger(type: String, values: [String]) throws -> SQLiteLedgerSource {
        let dir = TestTemp.url("sqlite-range")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let q = try DatabaseQueue(path: path)
        try q.write { db in
            try db.execute(sql: "CREATE TABLE ledger (entry_id TEXT, provider TEXT, ticket_id TEXT, member_id TEXT, kind TEXT, amount TEXT, currency TEXT, created_at \(type), ref TEXT, event_id TEXT, market_id TEXT, specifiers TEXT)")
            for (i, v) in values.enumerated() {
                try db.execute(sql: "INSERT INTO ledger VALUES ('e\(i)', 'saba', 't\(i)', 'm', 'bet', '-1', 'USD', \(v), NULL, NULL, NULL, NULL)")
            }
            // Older history, so that the planner has a reason to use the index, in the form such a
            // column holds (a TEXT column ISO text; Unix seconds as text always pass its bound).
            let old = type == "TEXT" ? "strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + n, 'unixepoch')" : "1700000000 + n"
            try db.execute(sql: """
                WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
                INSERT INTO ledger SELECT 'old' || n, 'saba', 'o' || n, 'm', 'bet', '-1', 'USD', \(old), NULL, NULL, NULL, NULL FROM g
                """)
            try db.execute(sql: "CREATE INDEX ledger_provider_created ON ledger (provider, created_at)")
            try db.execute(sql: "ANALYZE")
        }
        try q.close()
        return try SQLiteLedgerSource(path: path)
    }

    func read(_ source: SQLiteLedgerSource) throws -> [String] {
        var ids: [String] = []
        try source.forEachEntry(provider: "saba", since: Self.bound) { ids.append($0.entryId) }
        return ids
    }

    @Test(arguments: ["TEXT", "INTEGER", "REAL", "DATETIME", ""])
    func everyAffinityReadsTheRangeWithTheIndex(type: String) throws {
        let b = Int(Self.bound.timeIntervalSince1970)
        // Two days before, a second before, the bound, a day after: ISO text and Unix seconds mixed.
        let values = ["'2026-06-29T00:00:00Z'", "\(b - 1)", "'2026-07-01 00:00:00.000'", "\(b + 86_400)"]
        let source = try ledger(type: type, values: values)
        #expect(try read(source) == ["e2", "e3"], "\(type)")
        let plan = try source.explain(provider: "saba", since: Self.bound).joined(separator: "\n")
        #expect(plan.contains("ledger_provider_created"), "\(type): \(plan)")
    }
}
