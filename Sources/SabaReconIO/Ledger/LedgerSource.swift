import Foundation
import SabaReconCore

/// The operator's wallet ledger, read-only (SPEC 1.3).
public protocol LedgerSource: Sendable {
    /// A description for logs and the manifest, with no password in it.
    var displayName: String { get }
    /// Checks that the table and its columns exist; fails naming what is missing.
    func validate() throws
    /// Streams the entries of `provider` created at or after `since` to `body`, ordered by
    /// (ticket_id, entry_id) in byte order: the order the run store keeps them in, so
    /// staging appends and the ledger's checksum does not depend on its physical row order.
    func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws
    /// Ends the run's use of the ledger (a PostgreSQL connection is closed cleanly).
    func close()
}

extension LedgerSource {
    public func close() {}
}

public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// Two ledger rows with one entry_id.
    public static func repeated(_ entryId: String) -> LedgerError {
        LedgerError("ledger entry_id \(entryId) appears twice; entry_id must be unique")
    }
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

    /// `created_at` text: ISO 8601, or Unix seconds written as text.
    /// `entryId` is made only for an error message.
    public static func parseTime(_ bytes: UnsafeBufferPointer<UInt8>, entryId: @autoclosure () -> String) throws -> Date {
        if let date = UTCTime.parse(bytes: bytes) { return date }
        if let unix = Money.parse(bytes: bytes) { return Date(timeIntervalSince1970: unix.seconds(perUnit: 1)) }
        throw LedgerError("ledger entry \(entryId()): created_at '\(String(decoding: bytes.prefix(64), as: UTF8.self))' is neither ISO 8601 nor Unix seconds")
    }

    public static func parseAmount(_ text: String?, entryId: String) throws -> Money {
        guard var text else { throw LedgerError("ledger entry \(entryId): amount is empty") }
        return try text.withUTF8 { try parseAmount($0, entryId: entryId) }
    }

    /// An amount from its bytes (surrounding spaces allowed), exact or an error naming the
    /// entry (`entryId` is made only then).
    public static func parseAmount(_ bytes: UnsafeBufferPointer<UInt8>?, entryId: @autoclosure () -> String) throws -> Money {
        guard let bytes else { throw LedgerError("ledger entry \(entryId()): amount is empty") }
        var b = bytes[...]
        while let f = b.first, f == 0x20 || f == 0x09 { b = b.dropFirst() }
        while let l = b.last, l == 0x20 || l == 0x09 { b = b.dropLast() }
        guard !b.isEmpty else { throw LedgerError("ledger entry \(entryId()): amount is empty") }
        guard let value = Money.parse(bytes: UnsafeBufferPointer(rebasing: b)) else {
            throw LedgerError("ledger entry \(entryId()): amount '\(String(decoding: b.prefix(64), as: UTF8.self))' is not an exact amount (at most \(Money.maxIntegerDigits) integer and \(Money.fractionDigits) fraction digits)")
        }
        return value
    }
}
