import Foundation
import SabaReconCore

/// A SQLite ledger read's lower bound, written for the affinity of `created_at`'s declared
/// type, since SQLite converts a compared value to the column's affinity:
/// - numeric affinity (INTEGER, REAL, NUMERIC...): Unix seconds compare as numbers; ISO text
///   in such a column always passes (text sorts above any number) and is checked in Swift;
/// - TEXT affinity: ISO 8601 compares by its date prefix, a day early to cover any offset in
///   the text; Unix seconds stored as text sort below '2' and always pass;
/// - no affinity (no declared type, a view's expression): values keep their own class, so
///   both comparisons are made, each on the values of its class.
struct SQLiteLedgerRange {
    enum Affinity { case numeric, text, none }

    let affinity: Affinity

    init(declaredType: String) {
        let t = declaredType.uppercased()
        if t.contains("INT") || t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") || t.contains("NUM") || t.contains("DEC") {
            affinity = .numeric
        } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
            affinity = .text
        } else if t.isEmpty || t.contains("BLOB") {
            affinity = .none
        } else {
            // Anything else (DATETIME, TIMESTAMP) has NUMERIC affinity in SQLite.
            affinity = .numeric
        }
    }

    /// The whole WHERE clause, provider (?1) included: SQLite searches an index for an OR only
    /// when every branch names the index's leading column, so `provider = ?1` is in each.
    var condition: String {
        switch affinity {
        case .numeric: "provider = ?1 AND created_at >= ?2"
        case .text: "((provider = ?1 AND created_at >= ?3) OR (provider = ?1 AND created_at < '2'))"
        case .none: "((provider = ?1 AND created_at >= ?3) OR (provider = ?1 AND created_at < '2' AND created_at >= ?2))"
        }
    }

    /// ?2: Unix seconds; ?3: the ISO day before `since` (?1, the provider, is the caller's).
    func bind(_ s: RawStatement, _ since: Date) {
        if affinity != .text { s.bind(2, since.timeIntervalSince1970.rounded(.down)) }
        if affinity != .numeric { s.bind(3, UTCTime.day(since.addingTimeInterval(-86_400))) }
    }
}
