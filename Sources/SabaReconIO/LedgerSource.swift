import Foundation
import SabaReconCore

/// The operator's wallet ledger, read-only (SPEC 1.3).
public protocol LedgerSource: Sendable {
    /// A description for logs and the manifest, with no password in it.
    var displayName: String { get }
    /// Checks that the table and its columns exist; fails naming what is missing.
    func validate() throws
    /// Streams the entries of `provider` to `body`, in no particular order.
    func forEachEntry(provider: String, _ body: (LedgerEntry) throws -> Void) throws
}

public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The columns every ledger table or view must have.
public enum LedgerSchema {
    public static let requiredColumns = [
        "entry_id", "provider", "ticket_id", "member_id", "kind", "amount", "currency", "created_at",
        "ref", "event_id", "market_id", "specifiers",
    ]

    /// Validates a table name so it can be quoted into SQL safely.
    public static func checkTableName(_ name: String) throws {
        let ok = !name.isEmpty && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 46 }
        guard ok else { throw LedgerError("ledger table name '\(name)' may only hold letters, digits, '_' and '.'") }
    }

    /// `created_at` as ISO 8601 text or Unix seconds (SPEC 1.3).
    public static func parseTime(text: String?, seconds: Double?, entryId: String) throws -> Date {
        if let seconds { return Date(timeIntervalSince1970: seconds) }
        guard let text, !text.isEmpty else { throw LedgerError("ledger entry \(entryId): created_at is empty") }
        if let date = UTCTime.parse(text) { return date }
        if let unix = Double(text) { return Date(timeIntervalSince1970: unix) }
        throw LedgerError("ledger entry \(entryId): created_at '\(text)' is neither ISO 8601 nor Unix seconds")
    }

    public static func parseAmount(_ text: String?, entryId: String) throws -> Decimal {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw LedgerError("ledger entry \(entryId): amount is empty")
        }
        guard let value = Money.parse(text) else {
            throw LedgerError("ledger entry \(entryId): amount '\(text)' is not an exact decimal")
        }
        return value
    }
}
