import Foundation
import Logging
import NIOCore
import PostgresNIO
import SabaReconCore
import Synchronization

/// A ledger in PostgreSQL (the SPEC 1.3 table or a view with its columns), read-only, over
/// one connection per run: opened on first use (validation), reused by every provider's
/// read, closed by `close()`. The session is read-only with a statement time limit. Each
/// read selects only the rows at or after its lower bound, with a parameter of the
/// `created_at` column's own type so an index on it is used; cells are decoded from their
/// binary form (`PostgresCellReader`).
public final class PostgresLedgerSource: LedgerSource {
    let settings: PostgresSettings
    let configuration: PostgresConnection.Configuration
    public let table: String
    public let displayName: String
    /// One statement's time limit, set on the session.
    let statementTimeout: TimeInterval
    let logger: Logger

    struct State {
        var connection: PostgresConnection?
        var columnTypes: [String: String]?
        var connectionsOpened = 0
        var rowsRead = 0
    }
    private let state = Mutex(State())

    /// Connections this source opened (one per run, unless one broke).
    public var connectionsOpened: Int { state.withLock { $0.connectionsOpened } }
    /// Rows the server sent, before any check in Swift: what the range filter in SQL saves.
    public var rowsRead: Int { state.withLock { $0.rowsRead } }

    /// `postgres://[user[:password]@][host][:port][/database][?param=value&...]` with libpq's
    /// parameters and environment (`PostgresSettings`).
    public init(url: String, table: String = "ledger", environment: [String: String] = ProcessInfo.processInfo.environment,
                passwordFile: String? = nil, statementTimeout: TimeInterval = 600, logger: Logger = Logger(label: "saba-recon.ledger")) throws {
        for part in table.split(separator: ".", omittingEmptySubsequences: false) { try LedgerSchema.checkTableName(String(part)) }
        settings = try PostgresSettings.resolve(url: url, environment: environment, passwordFile: passwordFile)
        do {
            configuration = try settings.connectionConfiguration()
        } catch let e as LedgerError {
            throw LedgerError("--ledger \(CommandLineRedactor.redactURLPassword(url)): \(e.message)")
        }
        self.table = table
        self.displayName = "\(settings.display) table \(table)"
        self.statementTimeout = statementTimeout
        self.logger = logger
    }

    var schemaAndTable: (schema: String?, table: String) {
        let parts = table.split(separator: ".").map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : (nil, table)
    }

    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            return "\(psql.code)"
        }
        return String(describing: error)
    }

    /// The run's connection, opened and set up on first use.
    func connection() async throws -> PostgresConnection {
        if let open = state.withLock({ $0.connection }), !open.isClosed { return open }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            let note = settings.password == nil ? settings.passfileNote.map { " (no password: \($0))" } ?? "" : ""
            throw LedgerError("cannot connect to the ledger \(displayName): \(Self.describe(error))\(note)")
        }
        do {
            // The job never writes to the ledger: the session refuses to, whatever the role may do.
            _ = try await connection.query("SET default_transaction_read_only = on", logger: logger)
            _ = try await connection.query(PostgresQuery(unsafeSQL: "SET statement_timeout = \(max(1, Int(statementTimeout * 1000)))"), logger: logger)
        } catch {
            try? await connection.close()
            throw LedgerError("cannot set up the ledger session \(displayName): \(Self.describe(error))")
        }
        state.withLock {
            $0.connection = connection
            $0.connectionsOpened += 1
        }
        return connection
    }

    public func close() {
        guard let connection = state.withLock({ s -> PostgresConnection? in
            defer { s.connection = nil }
            return s.connection
        }) else { return }
        _ = try? Blocking.run { try await connection.close() }
    }

    deinit {
        if let connection = state.withLock({ $0.connection }) {
            Task { try? await connection.close() }
        }
    }

    /// Column name -> data type, from information_schema (tables and views alike), read once.
    func columnTypes() throws -> [String: String] {
        if let types = state.withLock({ $0.columnTypes }) { return types }
        let (schema, name) = schemaAndTable
        let display = displayName
        let types: [String: String] = try Blocking.run { [self] in
            let connection = try await self.connection()
            do {
                let rows: PostgresRowSequence
                if let schema {
                    rows = try await connection.query("SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = \(schema) AND table_name = \(name)", logger: self.logger)
                } else {
                    rows = try await connection.query("SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = ANY(current_schemas(false)) AND table_name = \(name)", logger: self.logger)
                }
                var types: [String: String] = [:]
                for try await (column, type) in rows.decode((String, String).self) { types[column.lowercased()] = type }
                return types
            } catch {
                throw LedgerError("cannot read the columns of \(display): \(Self.describe(error))")
            }
        }
        state.withLock { $0.columnTypes = types }
        return types
    }

    public func validate() throws {
        let types = try columnTypes()
        guard !types.isEmpty else { throw LedgerError("ledger \(displayName): no table or view '\(table)'") }
        let missing = LedgerSchema.requiredColumns.filter { types[$0] == nil }
        guard missing.isEmpty else {
            throw LedgerError("ledger \(displayName) is missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))")
        }
        guard LedgerRange.forColumn(type: types["created_at"] ?? "") != nil else {
            throw LedgerError("ledger \(displayName): created_at is of type \(types["created_at"] ?? "?"); expected timestamptz, timestamp, an integer or numeric of Unix seconds, or ISO 8601 text")
        }
    }

    /// The statement one provider's read runs, and its parameters: also what a test EXPLAINs.
    public func query(provider: String, since: Date) throws -> PostgresQuery {
        let types = try columnTypes()
        let createdType = types["created_at"] ?? "text"
        guard let range = LedgerRange.forColumn(type: createdType) else {
            throw LedgerError("ledger \(displayName): created_at is of type \(createdType); expected timestamptz, timestamp, an integer or numeric of Unix seconds, or ISO 8601 text")
        }
        // numeric amounts arrive as binary numeric; any other type as its exact text.
        let amount = types["amount"] == "numeric" ? "amount" : "amount::text"
        let quoted = table.split(separator: ".").map { "\"\($0)\"" }.joined(separator: ".")
        let sql = """
            SELECT entry_id::text, provider::text, ticket_id::text, member_id::text, kind::text, \(amount), currency::text,
                   created_at, ref::text, event_id::text, market_id::text, specifiers::text
            FROM \(quoted) WHERE provider = $1 AND \(range.condition)
            ORDER BY ticket_id::text COLLATE "C", entry_id::text COLLATE "C"
            """
        var bindings = PostgresBindings()
        bindings.append(provider)
        range.bind(since, &bindings)
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    public func forEachEntry(provider: String, since: Date, _ body: (LedgerEntry) throws -> Void) throws {
        let query = try query(provider: provider, since: since)
        let display = displayName
        let logger = self.logger
        let channel = BatchChannel<LedgerEntry>()
        // Rows are read on Swift's concurrency pool and handed to this thread in batches:
        // `body` writes to the run's SQLite store, which must stay on the calling thread.
        Task.detached { [self] in
            var read = 0
            do {
                let connection = try await self.connection()
                let rows: PostgresRowSequence
                do {
                    rows = try await connection.query(query, logger: logger)
                } catch {
                    throw LedgerError("cannot read the ledger \(display): \(Self.describe(error))")
                }
                var batch: [LedgerEntry] = []
                batch.reserveCapacity(1024)
                for try await row in rows {
                    read += 1
                    let c = row.makeRandomAccess()
                    guard let entryId = PostgresCellReader.string(c[0]) else { throw LedgerError("ledger \(display): a row has a NULL entry_id") }
                    let createdAt = try PostgresCellReader.time(c[7], entryId: entryId)
                    // The SQL bound may take a little more than asked (ISO text compares by day).
                    guard createdAt >= since else { continue }
                    let entry = LedgerEntry(
                        entryId: entryId, provider: PostgresCellReader.string(c[1]) ?? provider, ticketId: PostgresCellReader.string(c[2]) ?? "",
                        memberId: PostgresCellReader.string(c[3]) ?? "", kind: PostgresCellReader.string(c[4])?.lowercased() ?? "",
                        amount: try PostgresCellReader.amount(c[5], entryId: entryId), currency: PostgresCellReader.string(c[6]) ?? "",
                        createdAt: createdAt, ref: PostgresCellReader.string(c[8]), eventId: PostgresCellReader.string(c[9]),
                        marketId: PostgresCellReader.string(c[10]), specifiers: PostgresCellReader.string(c[11]))
                    batch.append(entry)
                    if batch.count == 1024 {
                        guard await channel.send(batch) else { break }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = await channel.send(batch) }
                self.state.withLock { $0.rowsRead += read }
                channel.finish(nil)
            } catch let e as LedgerError {
                self.state.withLock { $0.rowsRead += read }
                channel.finish(e)
            } catch {
                self.state.withLock { $0.rowsRead += read }
                channel.finish(LedgerError("cannot read the ledger \(display): \(Self.describe(error))"))
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
