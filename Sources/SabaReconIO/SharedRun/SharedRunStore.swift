import Foundation
import Logging
import PostgresNIO
import SabaReconCore
import Synchronization

/// One run shared by several processes through PostgreSQL (SPEC §7): the run, its calls
/// (a window's unsettled and settled GetBetDetails call each) claimed with
/// `FOR UPDATE SKIP LOCKED` and a lease, the fetched tickets, and the publishing step.
/// Everything lives in its own schema, created by versioned migrations. The URL follows the
/// ledger's PostgreSQL rules (`PostgresSettings`).
public final class SharedRunStore: Sendable {
    public static let schema = "saba_recon"
    /// Each entry is one migration; its position is its version. Never edit a shipped one.
    static let migrations: [String] = [
        """
        CREATE TABLE saba_recon.runs (
            run_id text PRIMARY KEY,
            range_start double precision NOT NULL,
            range_end double precision NOT NULL,
            record text NOT NULL,
            state text NOT NULL DEFAULT 'fetching' CHECK (state IN ('fetching', 'publishing', 'done', 'failed')),
            created_by text NOT NULL,
            publisher text,
            lease_until timestamptz,
            exit_status integer,
            summary text,
            created_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz
        );
        CREATE UNIQUE INDEX runs_one_open_per_range ON saba_recon.runs (range_start, range_end) WHERE state IN ('fetching', 'publishing');
        CREATE TABLE saba_recon.calls (
            run_id text NOT NULL REFERENCES saba_recon.runs ON DELETE CASCADE,
            idx integer NOT NULL,
            settled boolean NOT NULL,
            start_at double precision NOT NULL,
            end_at double precision NOT NULL,
            is_edge boolean NOT NULL,
            done boolean NOT NULL DEFAULT false,
            claimed_by text,
            lease_until timestamptz,
            claims integer NOT NULL DEFAULT 0,
            tickets integer, bytes bigint, attempts integer, seconds double precision, done_by text,
            PRIMARY KEY (run_id, idx, settled)
        );
        CREATE TABLE saba_recon.tickets (
            run_id text NOT NULL REFERENCES saba_recon.runs ON DELETE CASCADE,
            trans_id text NOT NULL,
            settlement_rank bigint NOT NULL,
            body text NOT NULL,   -- TicketLine
            PRIMARY KEY (run_id, trans_id)
        );
        """,
        // What the publisher found (RunMetrics.Result, JSON), for every process waiting on the run.
        """
        ALTER TABLE saba_recon.runs ADD COLUMN result text;
        """,
        // The break book (SPEC §9) with --store: never pruned with the runs.
        """
        CREATE TABLE saba_recon.breaks (break_id text PRIMARY KEY, record text NOT NULL);
        CREATE TABLE saba_recon.break_events (id bigserial PRIMARY KEY, break_id text NOT NULL, event text NOT NULL);
        CREATE INDEX break_events_by_break ON saba_recon.break_events (break_id, id);
        CREATE TABLE saba_recon.break_nights (run_id text PRIMARY KEY, applied_at double precision NOT NULL, annotations text NOT NULL);
        """,
        // The call a ticket's kept version came from: MoreSettledWins' tie-break.
        """
        ALTER TABLE saba_recon.tickets ADD COLUMN call_order integer NOT NULL DEFAULT 0;
        """,
        // A call's tickets as chunks of TicketLines (issue 23): a row per ticket cost the server
        // 10 to 20 µs each (an upsert's speculative insertion, the primary key's b-tree, the
        // foreign key's check), more than the rest of a worker's commit. Repeats across calls are
        // reduced by the publisher's run.sqlite (MoreSettledWins with each chunk's call order).
        // Stored without compression, as the rows were. Tickets stored by an earlier version
        // move over, each under the call order it was kept with, 2,000 a chunk and none
        // crossing a 16 MiB boundary of the call's bytes (as SharedRunStore.chunks cuts).
        """
        CREATE TABLE saba_recon.ticket_chunks (
            run_id text NOT NULL REFERENCES saba_recon.runs ON DELETE CASCADE,
            call_order integer NOT NULL,
            chunk integer NOT NULL,
            lines text[] NOT NULL,
            PRIMARY KEY (run_id, call_order, chunk)
        );
        ALTER TABLE saba_recon.ticket_chunks ALTER COLUMN lines SET STORAGE EXTERNAL;
        INSERT INTO saba_recon.ticket_chunks (run_id, call_order, chunk, lines)
            SELECT run_id, call_order, (row_number() OVER (PARTITION BY run_id, call_order ORDER BY min(n)) - 1)::integer, array_agg(body ORDER BY n)
            FROM (
                SELECT run_id, call_order, body, n, sum(octet_length(body)) OVER (PARTITION BY run_id, call_order ORDER BY n) AS bytes FROM (
                    SELECT run_id, call_order, body, row_number() OVER (PARTITION BY run_id, call_order ORDER BY trans_id) - 1 AS n
                    FROM saba_recon.tickets) numbered) t
            GROUP BY run_id, call_order, n / 2000, (bytes - 1) / 16777216;
        DROP TABLE saba_recon.tickets;
        """,
        // A window's settled call after its unsettled call (FetchCall.follows): a ticket that
        // settles between the two answers is then in one of them. `claimCall` asks for it; the
        // trigger keeps a process of an earlier version, still running, from claiming a settled
        // call first (its claim finds nothing and it looks again later). A settled call stored
        // before its window's unsettled call in a run still open is made undone, its tickets
        // dropped, so it is fetched again after it.
        """
        DELETE FROM saba_recon.ticket_chunks t USING saba_recon.calls s, saba_recon.runs r
            WHERE r.run_id = s.run_id AND r.state IN ('fetching', 'failed') AND s.settled AND s.done
              AND t.run_id = s.run_id AND t.call_order = (s.idx + 1) * 2 + 1
              AND EXISTS (SELECT 1 FROM saba_recon.calls u WHERE u.run_id = s.run_id AND u.idx = s.idx AND NOT u.settled AND NOT u.done);
        UPDATE saba_recon.calls s SET done = false, done_by = NULL, claimed_by = NULL, lease_until = NULL,
                tickets = NULL, bytes = NULL, attempts = NULL, seconds = NULL
            FROM saba_recon.runs r
            WHERE r.run_id = s.run_id AND r.state IN ('fetching', 'failed') AND s.settled AND s.done
              AND EXISTS (SELECT 1 FROM saba_recon.calls u WHERE u.run_id = s.run_id AND u.idx = s.idx AND NOT u.settled AND NOT u.done);
        CREATE FUNCTION saba_recon.settled_after_unsettled() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM saba_recon.calls u WHERE u.run_id = NEW.run_id AND u.idx = NEW.idx AND NOT u.settled AND NOT u.done) THEN
                RETURN NULL;
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER calls_settled_after_unsettled BEFORE UPDATE OF claimed_by ON saba_recon.calls
            FOR EACH ROW WHEN (NEW.settled AND NOT NEW.done AND NEW.claimed_by IS NOT NULL)
            EXECUTE FUNCTION saba_recon.settled_after_unsettled();
        """,
    ]

    /// A migration's statements: split at each `;` outside a `$$`-quoted function body.
    static func statements(_ sql: String) -> [String] {
        var out: [String] = [], current = "", quoted = false
        var rest = Substring(sql)
        while let c = rest.first {
            if rest.hasPrefix("$$") {
                quoted.toggle()
                current += "$$"
                rest = rest.dropFirst(2)
                continue
            }
            rest = rest.dropFirst()
            if c == ";" && !quoted {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        out.append(current)
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// A call of one of the store's runs.
    public struct Call: Sendable, Equatable {
        public var runId: String
        public var fetch: FetchCall
        public var window: FetchWindow { fetch.window }
        /// The store's key column for the call's kind.
        public var settled: Bool { fetch.kind.isSettled }

        public init(runId: String, fetch: FetchCall) {
            self.runId = runId
            self.fetch = fetch
        }
    }

    /// A run's row as every waiting process reads it.
    public struct StoredRun: Sendable, Equatable {
        public var state: RunState
        public var exitStatus: Int32?
        public var summary: String?
        /// The publisher's findings; nil while not done, or from a publisher that did not record them.
        public var result: RunMetrics.Result?
        public init(state: RunState, exitStatus: Int32?, summary: String?, result: RunMetrics.Result? = nil) {
            self.state = state
            self.exitStatus = exitStatus
            self.summary = summary
            self.result = result
        }
    }

    let settings: PostgresSettings
    let configuration: PostgresConnection.Configuration
    public let worker: String
    public let lease: TimeInterval
    let logger: Logger
    /// Slot -> connection: 0 for the work, 1 for lease heartbeats.
    private let connections = Mutex<[Int: PostgresConnection]>([:])
    /// The longest one store operation (one transaction) may take before it is given up and
    /// tried again on a new connection: a query on a connection the server dropped must never
    /// wait forever while the heartbeat keeps the claim alive (seen once under load, with a
    /// session ended mid-insert). A commit gets more, by its size (`commitTimeout`).
    let operationTimeout: TimeInterval
    /// A renewal is short; given up after a third of the lease so the next tick tries again.
    var heartbeatTimeout: TimeInterval { max(2, lease / 3) }

    /// `worker`: this process's name in claims and the manifest (host:pid by default).
    public init(url: String, worker: String, lease: TimeInterval, environment: [String: String] = ProcessInfo.processInfo.environment,
                passwordFile: String? = nil,
                logger: Logger = Logger(label: "saba-recon.store"), migrationLockTimeout: TimeInterval = SharedRunStore.defaultMigrationLockTimeout,
                operationTimeout: TimeInterval = 120) throws {
        self.migrationLockTimeout = migrationLockTimeout
        self.operationTimeout = operationTimeout
        settings = try PostgresSettings.resolve(url: url, environment: environment, passwordFile: passwordFile)
        configuration = try settings.connectionConfiguration()
        self.worker = worker
        self.lease = lease
        self.logger = logger
    }

    public var displayName: String { settings.display }

    /// A connection of this process's: `slot` 0 for the work, 1 for lease heartbeats (so a
    /// heartbeat never waits behind a long ticket transaction).
    func connection(_ slot: Int) async throws -> PostgresConnection {
        if let c = connections.withLock({ $0[slot] }), !c.isClosed { return c }
        let c: PostgresConnection
        do {
            c = try await PostgresConnection.connect(configuration: configuration, id: 100 + slot, logger: logger)
        } catch {
            throw JobError("cannot connect to the run store \(displayName): \(PostgresLedgerSource.describe(error))", underlying: error)
        }
        connections.withLock { $0[slot] = c }
        return c
    }

    /// Pauses before each retry of a store operation whose connection dropped or whose server
    /// restarted (`StoreFailure.isRetryable`): about 30 s in all, a fraction of a lease.
    static let retryDelays: [TimeInterval] = [0.2, 0.5, 1, 2, 4, 8, 15]

    /// Runs one store operation (a whole transaction, so a retry starts it again) on the
    /// calling thread, retrying the failures worth retrying on a fresh connection.
    /// `slot`: the connection the body uses (forgotten when it fails, so a retry connects anew).
    func sync<T: Sendable>(_ what: String, slot: Int = 0, timeout: TimeInterval? = nil, _ body: @escaping @Sendable () async throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try Blocking.run(timeout: timeout ?? operationTimeout, body)
            } catch let lost as StoreFailure.ClaimLost {
                throw lost
            } catch {
                if StoreFailure.isRetryable(error) || error is Blocking.TimedOut, attempt < Self.retryDelays.count {
                    let pause = Self.retryDelays[attempt]
                    attempt += 1
                    logger.warning("run store \(displayName): \(what): \(Self.describe(error)); trying again in \(pause) s (attempt \(attempt + 1))")
                    forget(slot)
                    Thread.sleep(forTimeInterval: pause)
                    continue
                }
                if let e = error as? JobError { throw e }
                throw JobError("run store \(displayName): \(what): \(Self.describe(error))", underlying: error)
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let job = error as? JobError { return job.message }
        return PostgresLedgerSource.describe(error)
    }

    /// Forgets the connection of `slot`: the next operation on it connects again. It is
    /// closed in the background, never waited for (its channel may be what hung).
    func forget(_ slot: Int) {
        guard let c = connections.withLock({ $0.removeValue(forKey: slot) }) else { return }
        Task.detached { try? await c.close() }
    }

    public func close() {
        let all = connections.withLock { c -> [PostgresConnection] in defer { c = [:] }; return Array(c.values) }
        _ = try? Blocking.run { for c in all { try? await c.close() } }
    }

    /// How long `migrate` waits for another process's migration lock.
    public static let defaultMigrationLockTimeout: TimeInterval = 60
    let migrationLockTimeout: TimeInterval

    /// `server_version_num` of the oldest PostgreSQL the store runs on (14: `pg_column_compression`).
    static let minimumServerVersion = 140_000

    /// Creates the schema and applies the migrations not yet applied, under an advisory lock
    /// so two processes starting together do not both migrate.
    public func migrate() throws { try migrate(through: Self.migrations.count) }

    /// `through`: the last version to apply (tests build an earlier schema with it).
    func migrate(through last: Int) throws {
        try sync("migrate") { [self] in
            let c = try await connection(0)
            // The tickets' reader checks that a chunk is stored uncompressed (pg_column_compression).
            for try await version in try await c.query("SELECT current_setting('server_version_num')::int", logger: logger).decode(Int.self)
            where version < Self.minimumServerVersion {
                throw JobError("run store \(displayName): PostgreSQL \(version / 10000) is too old for the run store; it needs PostgreSQL 14 or later")
            }
            // Bounded: a process that holds the lock and hangs must not hang every other one.
            _ = try await c.query(PostgresQuery(unsafeSQL: "SET lock_timeout = '\(Int(migrationLockTimeout * 1000))ms'"), logger: logger)
            do {
                // The rows are read: an error the statement meets (lock_timeout) comes with them.
                for try await _ in try await c.query("SELECT pg_advisory_lock(727172)", logger: logger) {}
            } catch let e as PSQLError where e.serverInfo?[.sqlState] == "55P03" {
                throw JobError("run store \(displayName): another process has held the migration lock for more than \(Int(migrationLockTimeout)) s (pg_advisory_lock(727172)); is one stuck?", underlying: e)
            }
            _ = try await c.query("SET lock_timeout = 0", logger: logger)
            do {
                _ = try await c.query("CREATE SCHEMA IF NOT EXISTS saba_recon", logger: logger)
                // A schema of that name made by another role would let that role change what
                // this job reads and publishes (tables, triggers): only our own is used.
                for try await (owner, me) in try await c.query("""
                    SELECT pg_get_userbyid(nspowner)::text, current_user::text FROM pg_namespace WHERE nspname = 'saba_recon'
                    """, logger: logger).decode((String, String).self) where owner != me {
                    throw JobError("run store \(displayName): the schema saba_recon is owned by role \(owner), not by \(me) that connects; refusing to use a schema another role controls (drop it, or connect as \(owner))")
                }
                _ = try await c.query("CREATE TABLE IF NOT EXISTS saba_recon.schema_version (version integer NOT NULL)", logger: logger)
                var version = 0
                for try await v in try await c.query("SELECT coalesce(max(version), 0) FROM saba_recon.schema_version", logger: logger).decode(Int.self) { version = v }
                guard version <= Self.migrations.count else {
                    throw JobError("run store \(displayName): schema version \(version) is newer than this saba-recon knows (\(Self.migrations.count)); upgrade saba-recon")
                }
                for (i, sql) in Self.migrations.enumerated() where i + 1 > version && i + 1 <= last {
                    _ = try await c.query("BEGIN", logger: logger)
                    for statement in Self.statements(sql) {
                        _ = try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    _ = try await c.query("INSERT INTO saba_recon.schema_version VALUES (\(i + 1))", logger: logger)
                    _ = try await c.query("COMMIT", logger: logger)
                }
                _ = try await c.query("SELECT pg_advisory_unlock(727172)", logger: logger)
            } catch {
                if !c.isClosed && !StoreFailure.isRetryable(error) { _ = try? await c.query("ROLLBACK", logger: logger) }
                if !c.isClosed && !StoreFailure.isRetryable(error) { _ = try? await c.query("SELECT pg_advisory_unlock(727172)", logger: logger) }
                throw error
            }
        }
    }

    /// Creates the run of this range, or joins the one already open for exactly this range
    /// (two `run --store` started together make one run). Returns its id.
    public func createOrJoin(_ record: RunRecord) throws -> String {
        let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        let plan = record.plan
        return try sync("create the run") { [self] in
            let c = try await connection(0)
            _ = try await c.query("BEGIN", logger: logger)
            do {
                var created = false
                for try await _ in try await c.query("""
                    INSERT INTO saba_recon.runs (run_id, range_start, range_end, record, created_by)
                    VALUES (\(record.run_id), \(record.range_start), \(record.range_end), \(json), \(worker))
                    ON CONFLICT DO NOTHING RETURNING run_id
                    """, logger: logger).decode(String.self) { created = true }
                if created {
                    for window in plan.allWindows {
                        for settled in [false, true] {
                            _ = try await c.query("""
                                INSERT INTO saba_recon.calls (run_id, idx, settled, start_at, end_at, is_edge)
                                VALUES (\(record.run_id), \(window.index), \(settled), \(window.start.timeIntervalSince1970), \(window.end.timeIntervalSince1970), \(window.isEdge))
                                """, logger: logger)
                        }
                    }
                    _ = try await c.query("COMMIT", logger: logger)
                    return record.run_id
                }
                _ = try await c.query("ROLLBACK", logger: logger)
                for try await id in try await c.query("""
                    SELECT run_id FROM saba_recon.runs WHERE range_start = \(record.range_start) AND range_end = \(record.range_end)
                    AND state IN ('fetching', 'publishing')
                    """, logger: logger).decode(String.self) {
                    return id
                }
                throw JobError("run store \(displayName): a run of this range was open and is gone; start again")
            } catch {
                if !c.isClosed && !StoreFailure.isRetryable(error) { _ = try? await c.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }

    /// The next call nobody holds (unclaimed, or its lease ran out), claimed for `lease`.
    public func claimCall() throws -> Call? {
        try sync("claim a window") { [self] in
            let c = try await connection(0)
            let rows = try await c.query(PostgresQuery(unsafeSQL: """
                WITH next AS (
                    SELECT k.run_id, k.idx, k.settled FROM saba_recon.calls k JOIN saba_recon.runs r USING (run_id)
                    WHERE r.state = 'fetching' AND NOT k.done AND (k.lease_until IS NULL OR k.lease_until < now())
                      -- A window's settled call once its unsettled call is done (FetchCall.follows).
                      AND (NOT k.settled OR EXISTS (SELECT 1 FROM saba_recon.calls u
                                                    WHERE u.run_id = k.run_id AND u.idx = k.idx AND NOT u.settled AND u.done))
                    ORDER BY r.created_at, k.idx, k.settled
                    LIMIT 1 FOR UPDATE OF k SKIP LOCKED
                )
                UPDATE saba_recon.calls k SET claimed_by = $1, lease_until = now() + make_interval(secs => $2), claims = claims + 1
                FROM next WHERE (k.run_id, k.idx, k.settled) = (next.run_id, next.idx, next.settled)
                RETURNING k.run_id, k.idx, k.settled, k.start_at, k.end_at, k.is_edge
                """, binds: binds(worker, lease)), logger: logger)
            for try await (run, idx, settled, start, end, edge) in rows.decode((String, Int, Bool, Double, Double, Bool).self) {
                return Call(runId: run, fetch: FetchCall(window: FetchWindow(index: idx, start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end), isEdge: edge),
                                                         kind: FetchCall.Kind(isSettled: settled)))
            }
            return nil
        }
    }

    func binds(_ worker: String, _ lease: TimeInterval) -> PostgresBindings {
        var b = PostgresBindings()
        b.append(worker)
        b.append(lease)
        return b
    }

    /// Keeps a claim alive; false when it was lost (the lease ran out and another took it).
    public func heartbeat(_ call: Call) throws -> Bool {
        try sync("renew a lease", slot: 1, timeout: heartbeatTimeout) { [self] in
            let c = try await connection(1)
            var held = false
            for try await _ in try await c.query("""
                UPDATE saba_recon.calls SET lease_until = now() + make_interval(secs => \(lease))
                WHERE run_id = \(call.runId) AND idx = \(call.window.index) AND settled = \(call.settled) AND claimed_by = \(worker) AND NOT done
                RETURNING idx
                """, logger: logger).decode(Int.self) { held = true }
            return held
        }
    }

    /// A call's tickets as `fetch` decodes them, then stored with the call's `done` mark in one
    /// transaction (`commit`). They are held in memory until then, as store lines: a worker's
    /// memory grows with its call's size (SPEC §7), and a kill loses only what was in flight.
    /// `committed` is handed the call's lines once they are stored (`RunAhead`).
    func stage(_ call: Call, fetch: (_ stage: (Ticket) throws -> Void) throws -> FetchStats, committed: (inout CallLines) -> Void = { _ in }) throws -> FetchStats {
        var lines = CallLines()
        let stats = try fetch { lines.add($0) }
        try commit(call, lines: lines, stats: stats)
        committed(&lines)
        return stats
    }

    /// Tickets per stored chunk (one row; about 600 KB of lines).
    public static let chunkSize = 2000
    /// A chunk is closed early once its lines reach this many bytes, so that every chunk
    /// written can be read back under `maxChunkBytes`.
    static let chunkBytes = 16 << 20
    /// The most a reader takes in one query (`pg_column_size` of the chunks, which are stored
    /// uncompressed): the store is trusted no further than the files (SPEC §6), and a page is
    /// held whole in memory. A larger chunk is refused.
    public static let maxChunkBytes = 64 << 20

    /// Where a call's lines are cut into chunks: every `count` lines, or sooner once a chunk
    /// holds `bytes`.
    static func chunks(of lines: [String], count: Int = chunkSize, bytes: Int = chunkBytes) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        var size = 0
        for (i, line) in lines.enumerated() {
            if i > start && (i - start == count || size + line.utf8.count > bytes) {
                out.append(start..<i)
                start = i
                size = 0
            }
            size += line.utf8.count
        }
        if start < lines.count { out.append(start..<lines.count) }
        return out
    }

    /// A call's tickets and its `done` mark, in one transaction, as chunks of lines under the
    /// call's plan order. A transId repeated within the call is reduced first as in a single
    /// process (`CallLines`); one repeated across calls, by the publisher. A call
    /// fetched twice is harmless: only its first commit is stored.
    public func commit(_ call: Call, tickets: [Ticket], stats: FetchStats) throws {
        try commit(call, lines: CallLines(tickets), stats: stats)
    }

    func commit(_ call: Call, lines reduced: CallLines, stats: FetchStats) throws {
        let lines = reduced.lines
        if let big = lines.first(where: { $0.utf8.count > Self.chunkBytes }) {
            throw JobError("run store \(displayName): a ticket of window \(call.window.index) settled=\(call.settled) is \(big.utf8.count) bytes as a stored line (\(SecretText.escapeControls(String(String.UnicodeScalarView(big.unicodeScalars.prefix(60)))))...), more than the \(Self.chunkBytes) the store takes; not stored")
        }
        let chunks = Self.chunks(of: lines)
        // Ten seconds per chunk on top is far more than storing one takes.
        try sync("store a window's tickets", timeout: operationTimeout + Double(chunks.count) * 10) { [self] in
            let c = try await connection(0)
            _ = try await c.query("BEGIN", logger: logger)
            do {
                // The claim is checked, and the call locked, in the transaction that commits it: a
                // worker whose lease ran out must not overwrite what the next holder stores.
                var found: (done: Bool, doneBy: String?, held: Bool)?
                for try await (done, doneBy, held) in try await c.query("""
                    SELECT done, done_by, coalesce(claimed_by = \(worker), false) FROM saba_recon.calls
                    WHERE run_id = \(call.runId) AND idx = \(call.window.index) AND settled = \(call.settled) FOR UPDATE
                    """, logger: logger).decode((Bool, String?, Bool).self) { found = (done, doneBy, held) }
                guard let found else { throw StoreFailure.ClaimLost(description: "window \(call.window.index) settled=\(call.settled) of run \(call.runId) is no longer in the store") }
                if found.done && found.doneBy == worker {
                    // Committed already: the answer to an earlier attempt was lost with its connection.
                    _ = try await c.query("ROLLBACK", logger: logger)
                    return
                }
                // Still ours while nobody claimed it since, even past the lease: a claim rewrites claimed_by.
                guard !found.done, found.held else {
                    throw StoreFailure.ClaimLost(description: "lost the claim on window \(call.window.index) settled=\(call.settled) of run \(call.runId): \(found.done ? "\(found.doneBy ?? "another worker") stored it" : "its lease ran out and another worker took it"); its tickets are not stored")
                }
                for (chunk, range) in chunks.enumerated() {
                    let part = Array(lines[range])
                    for try await _ in try await c.query("""
                        INSERT INTO saba_recon.ticket_chunks (run_id, call_order, chunk, lines)
                        VALUES (\(call.runId), \(call.fetch.planOrder), \(chunk), \(part)::text[])
                        """, logger: logger) {}
                }
                for try await _ in try await c.query("""
                    UPDATE saba_recon.calls SET done = true, done_by = \(worker), lease_until = NULL, tickets = \(stats.tickets),
                        bytes = \(stats.bytes), attempts = \(stats.attempts), seconds = \(stats.seconds)
                    WHERE run_id = \(call.runId) AND idx = \(call.window.index) AND settled = \(call.settled)
                    """, logger: logger) {}
                for try await _ in try await c.query("COMMIT", logger: logger) {}
            } catch {
                if !c.isClosed && !StoreFailure.isRetryable(error) { _ = try? await c.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }

    /// Runs whose calls are all done and that no process publishes yet, created by another
    /// process than this one (which `claimPublishing(othersDue:)` leaves to their creator a while).
    public func readyRunsOfOthers() throws -> [String] {
        try sync("list the runs ready to publish") { [self] in
            let c = try await connection(0)
            var ids: [String] = []
            for try await id in try await c.query("""
                SELECT run_id FROM saba_recon.runs x
                WHERE x.state = 'fetching' AND x.created_by <> \(worker)
                  AND NOT EXISTS (SELECT 1 FROM saba_recon.calls k WHERE k.run_id = x.run_id AND NOT k.done)
                ORDER BY x.created_at
                """, logger: logger).decode(String.self) {
                ids.append(id)
            }
            return ids
        }
    }

    /// Takes the publishing step of a run whose calls are all done (or whose publisher's lease
    /// ran out); returns the run id and its record. `othersDue`: when given, a run another
    /// process created is taken only if it is listed (its creator read the ledger ahead and
    /// staged its own calls, so it publishes fastest; the worker lists it once the creator
    /// has had its chance, `PublishingGrace`); nil takes any.
    public func claimPublishing(othersDue: [String]? = nil) throws -> (runId: String, record: RunRecord)? {
        var bindings = binds(worker, lease)
        bindings.append(othersDue == nil)
        bindings.append(othersDue ?? [])
        let found: (String, String)? = try sync("claim publishing") { [self, bindings] in
            let c = try await connection(0)
            for try await (id, record) in try await c.query(PostgresQuery(unsafeSQL: """
                UPDATE saba_recon.runs r SET state = 'publishing', publisher = $1, lease_until = now() + make_interval(secs => $2)
                WHERE r.run_id = (
                    SELECT run_id FROM saba_recon.runs x
                    WHERE (x.state = 'fetching' AND NOT EXISTS (SELECT 1 FROM saba_recon.calls k WHERE k.run_id = x.run_id AND NOT k.done)
                           AND ($3 OR x.created_by = $1 OR x.run_id = ANY($4)))
                       OR (x.state = 'publishing' AND x.lease_until < now())
                    ORDER BY x.created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING r.run_id, r.record
                """, binds: bindings), logger: logger).decode((String, String).self) {
                return (id, record)
            }
            return nil
        }
        guard let (id, json) = found else { return nil }
        // The store is trusted no further than the report root (SPEC §6): its run id becomes a
        // folder name under OUT, so it must be one this job makes, never `latest` or a path.
        guard RunFolder.isRunId(id) else {
            _ = try? finish(id, state: .failed, exitStatus: 2, summary: "refused: '\(id)' is not a run id this job makes")
            throw JobError("run store \(displayName): refusing to publish run '\(SecretText.escapeControls(String(String.UnicodeScalarView(id.unicodeScalars.prefix(80)))))': not a run id this job makes (YYYYMMDDTHHMMSSZ-xxxx)")
        }
        let record: RunRecord
        do {
            record = try JSONDecoder().decode(RunRecord.self, from: Data(json.utf8))
        } catch {
            _ = try? finish(id, state: .failed, exitStatus: 2, summary: "refused: its record is unreadable")
            throw JobError("run store \(displayName): run \(id)'s record is unreadable: \(error)", underlying: error)
        }
        guard record.run_id == id else {
            _ = try? finish(id, state: .failed, exitStatus: 2, summary: "refused: its record names run \(record.run_id)")
            throw JobError("run store \(displayName): run \(id)'s record names another run (\(record.run_id)); refusing to publish it")
        }
        return (id, record)
    }

    /// Whether this process still holds the publishing claim of `runId` (checked before the
    /// reports are written, and again when the outcome is recorded).
    public func holdsPublishing(_ runId: String) throws -> Bool {
        try sync("check the publishing claim") { [self] in
            let c = try await connection(0)
            var held = false
            for try await _ in try await c.query("""
                SELECT 1 FROM saba_recon.runs WHERE run_id = \(runId) AND state = 'publishing' AND publisher = \(worker)
                """, logger: logger).decode(Int.self) { held = true }
            return held
        }
    }

    /// Keeps the publishing claim alive while the ledger is read and the reports written;
    /// false when it was lost (the lease ran out and another process took the publishing over).
    public func heartbeatPublishing(_ runId: String) throws -> Bool {
        try sync("renew the publishing lease", slot: 1, timeout: heartbeatTimeout) { [self] in
            let c = try await connection(1)
            var held = false
            for try await _ in try await c.query("""
                UPDATE saba_recon.runs SET lease_until = now() + make_interval(secs => \(lease))
                WHERE run_id = \(runId) AND state = 'publishing' AND publisher = \(worker)
                RETURNING run_id
                """, logger: logger).decode(String.self) { held = true }
            return held
        }
    }

    /// The calls' statistics, for the local run store the reports are written from.
    public func calls(of runId: String) throws -> [(call: Call, stats: FetchStats, doneBy: String)] {
        try sync("read the calls") { [self] in
            let c = try await connection(0)
            var out: [(Call, FetchStats, String)] = []
            for try await (idx, settled, start, end, edge, tickets, bytes, attempts, seconds, by) in try await c.query("""
                SELECT idx, settled, start_at, end_at, is_edge, tickets, bytes, attempts, seconds, done_by FROM saba_recon.calls
                WHERE run_id = \(runId) AND done ORDER BY idx, settled
                """, logger: logger).decode((Int, Bool, Double, Double, Bool, Int, Int, Int, Double, String).self) {
                out.append((Call(runId: runId, fetch: FetchCall(window: FetchWindow(index: idx, start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end), isEdge: edge),
                                                                kind: FetchCall.Kind(isSettled: settled))),
                            FetchStats(tickets: tickets, bytes: bytes, attempts: attempts, seconds: seconds), by))
            }
            return out
        }
    }

    /// Streams the run's tickets to `body` on the calling thread, in batches of at most
    /// `batchSize` with the plan order of the call they came from, a few chunks per query in
    /// key order. A reader thread of its own fetches and decodes the next chunks while `body`
    /// stages the last ones (the publisher's copy into run.sqlite, whose upsert keeps the more
    /// settled version of a transId stored by two calls), four batches ahead at most (of a
    /// chunk each by default: batches of 10,000 cost 25 MB more at the peak and no time). The
    /// store's work connection is the reader's until this returns.
    /// `skipping`: plan orders of calls not to read (those the publisher fetched itself, `RunAhead`);
    /// `only`: when given, the plan orders of the only calls to read.
    public func forEachTicketBatch(of runId: String, skipping: Set<Int> = [], only: Set<Int>? = nil, batchSize: Int = SharedRunStore.chunkSize,
                                   chunksPerPage: Int = 8, maxChunkBytes: Int = SharedRunStore.maxChunkBytes,
                                   _ body: (_ tickets: [Ticket], _ callOrder: Int) throws -> Void) throws {
        guard batchSize > 0, chunksPerPage > 0 else { throw JobError("run store \(displayName): a batch and a page hold at least one (asked \(batchSize), \(chunksPerPage))") }
        let queue = BoundedQueue<([Ticket], Int)>(capacity: 4, producers: 1)
        let skipped = skipping.sorted()
        let every = only == nil
        let chosen = (only ?? []).sorted()
        let reader = BackgroundThread<Void> { [self] in
            defer { queue.finish() }
            do {
                var after = (order: Int.min, chunk: Int.min)
                var batch: [Ticket] = []
                var batchOrder = 0
                // A consumer that stopped stops the reader before its next page.
                while !queue.isCancelled {
                    let from = after
                    // Up to chunksPerPage chunks, as many as fit maxChunkBytes together (at least
                    // one): the lines of the others stay on the server until the next page.
                    let page: [(order: Int, chunk: Int, size: Int, compressed: Bool, lines: [String]?)] = try sync("read the tickets") { [self] in
                        let c = try await connection(0)
                        var rows: [(order: Int, chunk: Int, size: Int, compressed: Bool, lines: [String]?)] = []
                        for try await row in try await c.query("""
                            SELECT call_order, chunk, size, compressed,
                                CASE WHEN NOT compressed AND sum(size) OVER (ORDER BY call_order, chunk) <= \(maxChunkBytes) THEN lines END
                            FROM (
                                SELECT call_order, chunk, pg_column_size(lines) AS size, pg_column_compression(lines) IS NOT NULL AS compressed, lines
                                FROM saba_recon.ticket_chunks WHERE run_id = \(runId) AND (call_order, chunk) > (\(from.order), \(from.chunk)) AND call_order <> ALL(\(skipped))
                                    AND (\(every) OR call_order = ANY(\(chosen)))
                                ORDER BY call_order, chunk LIMIT \(chunksPerPage)) page
                            ORDER BY call_order, chunk
                            """, logger: logger).decode((Int, Int, Int, Bool, [String]?).self) { rows.append(row) }
                        return rows
                    }
                    for (n, row) in page.enumerated() {
                        guard let lines = row.lines else {
                            if n > 0 && !row.compressed && row.size <= maxChunkBytes { break }  // the next page's first
                            throw JobError("run store \(displayName): run \(runId)'s stored tickets (call \(row.order), chunk \(row.chunk)) are \(row.compressed ? "compressed, which this job never stores" : "\(row.size) bytes, more than the \(maxChunkBytes) a chunk may hold"); refusing to read them")
                        }
                        after = (row.order, row.chunk)
                        // A batch holds one call's tickets: each is staged under its call's order.
                        if row.order != batchOrder && !batch.isEmpty {
                            guard queue.put((batch, batchOrder)) else { return }
                            batch = []
                        }
                        batchOrder = row.order
                        for text in lines {
                            batch.append(try TicketLine.decode(text))
                            if batch.count == batchSize {
                                guard queue.put((batch, batchOrder)) else { return }
                                batch = []
                            }
                        }
                    }
                    if page.count < chunksPerPage && after == (page.last?.order ?? after.order, page.last?.chunk ?? after.chunk) { break }
                }
                if !batch.isEmpty { guard queue.put((batch, batchOrder)) else { return } }
            } catch {
                // The consumer's take returns nil at once; the error is the reader's wait().
                queue.cancel(keepingQueued: false)
                throw error
            }
        }
        do {
            while let (batch, order) = queue.take() { try body(batch, order) }
        } catch {
            queue.cancel()
            _ = try? reader.wait()
            throw error
        }
        try reader.wait()
    }

    /// The run's outcome, once published (or failed), for every process waiting on it. `done`
    /// is recorded only by the process that holds the publishing claim, checked in the same
    /// statement; false when it no longer does.
    @discardableResult
    public func finish(_ runId: String, state final: RunState, exitStatus: Int32, summary: String, result: RunMetrics.Result? = nil) throws -> Bool {
        precondition(final.isFinal, "finish records done or failed")
        let state = final.rawValue
        let found = try result.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        return try sync("record the outcome") { [self] in
            let c = try await connection(0)
            var recorded = false
            let rows = final == .done
                ? try await c.query("""
                    UPDATE saba_recon.runs SET state = \(state), exit_status = \(Int(exitStatus)), summary = \(summary), result = \(found), finished_at = now(), lease_until = NULL
                    WHERE run_id = \(runId) AND state = 'publishing' AND publisher = \(worker)
                    RETURNING run_id
                    """, logger: logger)
                // A failure is recorded while fetching by anyone, while publishing only by the
                // publisher: one that lost its claim must not fail the run another completes.
                : try await c.query("""
                    UPDATE saba_recon.runs SET state = \(state), exit_status = \(Int(exitStatus)), summary = \(summary), finished_at = now(), lease_until = NULL
                    WHERE run_id = \(runId) AND (state = 'fetching' OR (state = 'publishing' AND publisher = \(worker)))
                    RETURNING run_id
                    """, logger: logger)
            for try await _ in rows.decode(String.self) { recorded = true }
            return recorded
        }
    }

    public func state(of runId: String) throws -> StoredRun? {
        try sync("read the run's state") { [self] in
            let c = try await connection(0)
            // The result is read only when it is no longer than this job writes one (SPEC §6).
            for try await (state, status, summary, found, size) in try await c.query("""
                SELECT state, exit_status, summary, CASE WHEN octet_length(result) <= \(RunMetrics.Result.maxBytes) THEN result END, octet_length(result)
                FROM saba_recon.runs WHERE run_id = \(runId)
                """, logger: logger)
                .decode((String, Int?, String?, String?, Int?).self) {
                // The CHECK constraint allows only these four; anything else is not our schema.
                guard let known = RunState(rawValue: state) else {
                    throw JobError("run store \(displayName): run \(runId) has an unknown state '\(SecretText.escapeControls(String(state.prefix(40))))'")
                }
                var result: RunMetrics.Result?
                if let size, found == nil || size > RunMetrics.Result.maxBytes {
                    logger.warning("run store \(displayName): run \(runId)'s recorded result is \(size) bytes, more than \(RunMetrics.Result.maxBytes): not read")
                } else if let found {
                    do { result = try JSONDecoder().decode(RunMetrics.Result.self, from: Data(found.utf8)) } catch {
                        logger.warning("run store \(displayName): run \(runId)'s recorded result is unreadable (\(error)): its findings are left out of this process's metrics")
                    }
                }
                return StoredRun(state: known, exitStatus: status.map { Int32($0) }, summary: summary, result: result)
            }
            return nil
        }
    }

    /// The run's record (`run.json` as its creator wrote it): its plan, clock and judging
    /// settings, which every process of the run uses (SPEC §7).
    public func record(of runId: String) throws -> RunRecord? {
        let json: String? = try sync("read the run's record") { [self] in
            let c = try await connection(0)
            // Bounded as run.json is: the store is trusted no further than the report root.
            for try await record in try await c.query("SELECT CASE WHEN octet_length(record) <= 1048576 THEN record END FROM saba_recon.runs WHERE run_id = \(runId)", logger: logger).decode(String?.self) {
                guard let record else { throw JobError("run store \(displayName): run \(runId)'s record is larger than 1 MB: not one this job wrote") }
                return record
            }
            return nil
        }
        guard let json else { return nil }
        do {
            return try JSONDecoder().decode(RunRecord.self, from: Data(json.utf8))
        } catch {
            throw JobError("run store \(displayName): run \(runId)'s record is unreadable: \(error)", underlying: error)
        }
    }

    /// keep_runs for the store: finished runs beyond the newest `keep` are deleted with their
    /// calls and tickets (an open run never is). Returns how many were deleted.
    @discardableResult
    public func prune(keep: Int) throws -> Int {
        try sync("prune old runs") { [self] in
            let c = try await connection(0)
            var n = 0
            for try await _ in try await c.query("""
                DELETE FROM saba_recon.runs WHERE run_id IN (
                    SELECT run_id FROM saba_recon.runs WHERE state IN ('done', 'failed') ORDER BY created_at DESC OFFSET \(keep))
                RETURNING run_id
                """, logger: logger).decode(String.self) { n += 1 }
            return n
        }
    }

    /// `--resume RUN_ID --store`: an open run is joined; a failed one is opened again, its done
    /// calls kept; a finished one is refused (rediff its folder instead).
    /// The resuming process becomes the run's `created_by`: it reads the ledger ahead and follows
    /// the calls (`RunAhead`), so publishing is left to it first (`claimPublishing(othersDue:)`).
    public func reopen(_ runId: String) throws {
        guard let state = try state(of: runId) else { throw JobError("no run \(runId) in the store \(displayName)") }
        switch state.state {
        case .done:
            throw JobError("run \(runId) already finished; use rediff \(runId) on its folder to match it again")
        case .failed:
            try sync("reopen the run") { [self] in
                let c = try await connection(0)
                _ = try await c.query("""
                    UPDATE saba_recon.runs SET state = 'fetching', exit_status = NULL, summary = NULL, finished_at = NULL, publisher = NULL, lease_until = NULL,
                        created_by = \(worker)
                    WHERE run_id = \(runId) AND state = 'failed'
                    """, logger: logger)
                _ = try await c.query("UPDATE saba_recon.calls SET claimed_by = NULL, lease_until = NULL WHERE run_id = \(runId) AND NOT done", logger: logger)
            }
        case .fetching:
            try sync("resume the run") { [self] in
                let c = try await connection(0)
                _ = try await c.query("UPDATE saba_recon.runs SET created_by = \(worker) WHERE run_id = \(runId) AND state = 'fetching'", logger: logger)
            }
        case .publishing:
            return
        }
    }

    /// Runs still fetching or publishing.
    public func openRuns() throws -> [String] {
        try sync("list the open runs") { [self] in
            let c = try await connection(0)
            var ids: [String] = []
            for try await id in try await c.query("SELECT run_id FROM saba_recon.runs WHERE state IN ('fetching', 'publishing') ORDER BY created_at", logger: logger).decode(String.self) {
                ids.append(id)
            }
            return ids
        }
    }
}
