import Foundation
import PostgresNIO
import SabaReconCore

/// The lower bound of a ledger read in SQL, written for the `created_at` column's own type so
/// that an index on the column is used: the comparison is column-against-constant of the same
/// type, never a cast of the column.
struct LedgerRange {
    var condition: String
    var bind: (Date, inout PostgresBindings) -> Void

    static func forColumn(type: String) -> LedgerRange? {
        switch type {
        case "timestamp with time zone":
            return LedgerRange(condition: "created_at >= $2") { since, b in b.append(since) }
        case "timestamp without time zone":
            // The ledger keeps UTC (SPEC 1.3): the bound as a UTC wall-clock time.
            return LedgerRange(condition: "created_at >= ($2 AT TIME ZONE 'UTC')") { since, b in b.append(since) }
        case "bigint", "integer", "smallint":
            return LedgerRange(condition: "created_at >= $2") { since, b in b.append(Int64(since.timeIntervalSince1970.rounded(.down))) }
        case "numeric":
            return LedgerRange(condition: "created_at >= $2::numeric") { since, b in b.append(String(Int64(since.timeIntervalSince1970.rounded(.down)))) }
        case "double precision", "real":
            return LedgerRange(condition: "created_at >= $2") { since, b in b.append(since.timeIntervalSince1970.rounded(.down)) }
        case "text", "character varying", "character":
            // ISO 8601 text compares by its date prefix: a day before the bound covers any
            // UTC offset written in the text (at most 14 hours). Unix seconds written as text
            // ('1785500000') sort below '2' and are always read, then checked in Swift.
            return LedgerRange(condition: "(created_at >= $2 OR created_at < '2')") { since, b in
                b.append(UTCTime.day(since.addingTimeInterval(-86_400)))
            }
        default:
            return nil
        }
    }
}
