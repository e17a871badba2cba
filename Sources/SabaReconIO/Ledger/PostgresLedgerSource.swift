import Foundation
import Logging
import NIOSSL
import PostgresNIO
import SabaReconCore

/// A ledger in PostgreSQL (the SPEC 1.3 table or a view with its columns), read-only.
/// Rows stream with back-pressure; amounts are read as their exact decimal text and
/// times converted to UTC in the query, so no binary float or session time zone intervenes.
public struct PostgresLedgerSource: LedgerSource {
    let configuration: PostgresConnection.Configuration
    public let table: String
    public let displayName: String
    let logger: Logger

    /// `postgres://user[:password]@host[:port]/database?sslmode=disable|prefer|require|verify-ca|verify-full`
    /// (`host=/socket/dir` for a Unix socket). The password may come from `PGPASSWORD` instead.
    public init(url: String, table: String = "ledger", environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "saba-recon.ledger")) throws {
        let redacted = CommandLineRedactor.redactURLPassword(url)
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw LedgerError("--ledger \(redacted) is not a postgres:// URL")
        }
        for part in table.split(separator: ".") { try LedgerSchema.checkTableName(String(part)) }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding } ?? environment["PGPASSWORD"]
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        let db = database.isEmpty ? (environment["PGDATABASE"] ?? user) : database
        if let socketDir = query["host"], socketDir.hasPrefix("/") {
            let port = components.port ?? Int(environment["PGPORT"] ?? "") ?? 5432
            configuration = PostgresConnection.Configuration(unixSocketPath: "\(socketDir)/.s.PGSQL.\(port)", username: user, password: password, database: db)
        } else {
            guard let host = components.host, !host.isEmpty else { throw LedgerError("--ledger \(redacted) names no host") }
            let tls: PostgresConnection.Configuration.TLS
            do {
                tls = try Self.tls(mode: query["sslmode"] ?? environment["PGSSLMODE"] ?? Self.defaultSSLMode(host: host))
            } catch let e as LedgerError {
                throw LedgerError("--ledger \(redacted): \(e.message)")
            }
            configuration = PostgresConnection.Configuration(host: host, port: components.port ?? 5432, username: user,
                                                             password: password, database: db, tls: tls)
        }
        self.table = table
        self.displayName = "\(redacted) table \(table)"
        self.logger = logger
    }

    /// Without an sslmode: `verify-full` to any host that is not this machine (a wallet
    /// ledger's password and rows never cross a network unverified), `prefer` on loopback.
    /// `prefer` and `require` elsewhere only when asked for.
    static func defaultSSLMode(host: String) -> String {
        Settings.isLoopback(host) ? "prefer" : "verify-full"
    }

    /// libpq's sslmode names: require encrypts without checking the certificate; verify-full checks both.
    static func tls(mode: String) throws -> PostgresConnection.Configuration.TLS {
        var config = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case "disable":
            return .disable
        case "allow", "prefer":
            config.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: config))
        case "require":
            config.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: config))
        case "verify-ca":
            config.certificateVerification = .noHostnameVerification
            return .require(try NIOSSLContext(configuration: config))
        case "verify-full":
            return .require(try NIOSSLContext(configuration: config))
        default:
            throw LedgerError("sslmode '\(mode)' is not disable, allow, prefer, require, verify-ca or verify-full")
        }
    }

    var schemaAndTable: (schema: String?, table: String) {
        let parts = table.split(separator: ".").map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : (nil, table)
    }

    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        let configuration = self.configuration
        let logger = self.logger
        let name = displayName
        return try Blocking.run {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            } catch {
                throw LedgerError("cannot connect to the ledger \(name): \(Self.describe(error))")
            }
            do {
                let value = try await body(connection)
                try? await connection.close()
                return value
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            return "\(psql.code)"
        }
        return String(describing: error)
    }

    /// Column name -> data type, from information_schema (tables and views alike).
    func columnTypes() throws -> [String: String] {
        let (schema, name) = schemaAndTable
        let display = displayName
        return try withConnection { connection in
            let rows: PostgresRowSequence
            do {
                if let schema {
                    rows = try await connection.query("SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = \(schema) AND table_name = \(name)", logger: Logger(label: "ledger"))
                } else {
                    rows = try await connection.query("SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = ANY(current_schemas(false)) AND table_name = \(name)", logger: Logger(label: "ledger"))
                }
                var types: [String: String] = [:]
                for try await (column, type) in rows.decode((String, String).self) { types[column.lowercased()] = type }
                return types
            } catch let e as LedgerError {
                throw e
            } catch {
                throw LedgerError("cannot read the columns of \(display): \(Self.describe(error))")
            }
        }
    }

    public func validate() throws {
        let types = try columnTypes()
        guard !types.isEmpty else { throw LedgerError("ledger \(displayName): no table or view '\(table)'") }
        let missing = LedgerSchema.requiredColumns.filter { types[$0] == nil }
        guard missing.isEmpty else {
            throw LedgerError("ledger \(displayName) is missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))")
        }
    }

    /// `created_at` as ISO 8601 UTC text whatever its column type.
    static func createdAtExpression(type: String) -> String {
        switch type {
        case "timestamp with time zone":
            return #"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#
        case "timestamp without time zone":
            return #"to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#
        default:
            return "created_at::text"
        }
    }

    public func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws {
        let types = try columnTypes()
        let created = Self.createdAtExpression(type: types["created_at"] ?? "text")
        let quoted = table.split(separator: ".").map { "\"\($0)\"" }.joined(separator: ".")
        let sql = """
            SELECT entry_id::text, provider::text, ticket_id::text, member_id::text, kind::text, amount::text, currency::text,
                   \(created), ref::text, event_id::text, market_id::text, specifiers::text
            FROM \(quoted) WHERE provider = $1
            ORDER BY ticket_id::text COLLATE "C", entry_id::text COLLATE "C"
            """
        let display = displayName
        let configuration = self.configuration
        let logger = self.logger
        let channel = BatchChannel<LedgerEntry>()
        // Rows are read on Swift's concurrency pool and handed to this thread in batches:
        // `body` writes to the run's SQLite store, which must stay on the calling thread.
        Task.detached {
            do {
                let connection: PostgresConnection
                do {
                    connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
                } catch {
                    throw LedgerError("cannot connect to the ledger \(display): \(Self.describe(error))")
                }
                defer { Task { try? await connection.close() } }
                var bindings = PostgresBindings()
                bindings.append(provider)
                let rows: PostgresRowSequence
                do {
                    rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                } catch {
                    throw LedgerError("cannot read the ledger \(display): \(Self.describe(error))")
                }
                var batch: [LedgerEntry] = []
                batch.reserveCapacity(1024)
                for try await row in rows {
                    let c = try row.decode((String?, String?, String?, String?, String?, String?, String?, String?, String?, String?, String?, String?).self)
                    guard let entryId = c.0 else { throw LedgerError("ledger \(display): a row has a NULL entry_id") }
                    let entry = LedgerEntry(
                        entryId: entryId, provider: c.1 ?? provider, ticketId: c.2 ?? "", memberId: c.3 ?? "",
                        kind: c.4?.lowercased() ?? "", amount: try LedgerSchema.parseAmount(c.5, entryId: entryId),
                        currency: c.6 ?? "", createdAt: try LedgerSchema.parseTime(text: c.7, seconds: nil, entryId: entryId),
                        ref: c.8, eventId: c.9, marketId: c.10, specifiers: c.11)
                    guard entry.createdAt >= since else { continue }
                    batch.append(entry)
                    if batch.count == 1024 {
                        guard await channel.send(batch) else { break }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = await channel.send(batch) }
                channel.finish(nil)
            } catch {
                channel.finish(error)
            }
        }
        do {
            while let batch = try channel.receive() {
                for entry in batch { try body(entry) }
            }
        } catch {
            channel.cancel()
            channel.awaitFinish()
            throw error
        }
    }
}
