import Foundation
import SabaReconCore

/// Where the ledger is, parsed once from `--ledger` / `ledger`: `sqlite:PATH`, `sqlite://PATH`,
/// a plain path, or `postgres://` / `postgresql://`.
public enum LedgerLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
            return
        }
        var path = text
        if path.hasPrefix("sqlite://") {
            path.removeFirst("sqlite://".count)
        } else if path.hasPrefix("sqlite:") {
            path.removeFirst("sqlite:".count)
        } else if path.contains("://") {
            throw Invalid(description: "'\(CommandLineRedactor.redactURLPassword(text))' is neither sqlite:PATH nor postgres://...")
        }
        guard !path.isEmpty else { throw Invalid(description: "'\(text)' names no SQLite file") }
        self = .sqlite(path: path)
    }

    /// The read-only source for `table`; `statementTimeout` bounds one PostgreSQL statement.
    public func open(table: String, statementTimeout: TimeInterval = 600, passwordFile: String? = nil) throws -> any LedgerSource {
        switch self {
        case .sqlite(let path): try SQLiteLedgerSource(path: path, table: table)
        case .postgres(let url): try PostgresLedgerSource(url: url, table: table, passwordFile: passwordFile, statementTimeout: statementTimeout)
        }
    }
}
