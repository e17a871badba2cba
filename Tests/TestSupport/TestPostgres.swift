import Foundation
import SabaReconIO
import Synchronization
import Testing

/// A private PostgreSQL server for the test process: `initdb` into a temporary folder (as
/// the `postgres` user when running as root), `pg_ctl -w start` on a free port and its own
/// socket folder, stopped when the process exits. `SABA_TEST_POSTGRES_URL` uses an
/// existing server instead.
public final class TestPostgres: Sendable {
    public let url: String
    public let port: Int
    public let host = "127.0.0.1"
    let bin: String
    let dataDir: String?

    public static let shared: Result<TestPostgres, SkipReason> = start()

    /// The private server for a test that needs one. When it could not start: under `CI` the
    /// test fails with the reason (a green suite must have run them); elsewhere the test is
    /// cancelled, which Swift Testing reports as skipped, with the reason.
    public static func server() throws -> TestPostgres {
        switch shared {
        case .success(let pg):
            return pg
        case .failure(let reason):
            if let ci = ProcessInfo.processInfo.environment["CI"], !ci.isEmpty, ci != "false" {
                throw SkipReason(description: "CI is set and PostgreSQL could not start: \(reason)")
            }
            try Test.cancel("skipped: PostgreSQL could not start: \(reason)")
        }
    }

    public struct SkipReason: Error, CustomStringConvertible {
        public var description: String
    }

    private init(url: String, port: Int, bin: String, dataDir: String?) {
        self.url = url
        self.port = port
        self.bin = bin
        self.dataDir = dataDir
    }

    static func binDir() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }

    /// Starts a command that leaves a daemon behind (pg_ctl start) and waits for the command
    /// alone: Foundation's Process would wait for the daemon too, which keeps its descriptors.
    static func spawnAndWait(_ args: [String], asPostgres: Bool) throws {
        var argv = args
        if asPostgres && getuid() == 0 { argv = ["runuser", "-u", "postgres", "--"] + args }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard rc == 0 else { throw SkipReason(description: "cannot run \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw SkipReason(description: "\(argv.joined(separator: " ")) exited with status \(status)") }
    }

    /// A folder the `postgres` user can reach: under TMPDIR when every parent is traversable by
    /// others, else under /tmp (a TMPDIR only root may enter would make initdb fail).
    static func baseFolder() -> String {
        let tmp = FileManager.default.temporaryDirectory.path
        guard getuid() == 0 else { return tmp }
        var path = ""
        for part in tmp.split(separator: "/") {
            path += "/\(part)"
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & 0o001 != 0 else { return "/tmp" }
        }
        return tmp
    }

    @discardableResult
    static func sh(_ args: [String], asPostgres: Bool = false, capture: Bool = true) throws -> String {
        let p = Process()
        var argv = args
        if asPostgres && getuid() == 0 { argv = ["runuser", "-u", "postgres", "--"] + args }
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let out = Pipe()
        // A server started by pg_ctl inherits these descriptors: a pipe would never reach EOF.
        p.standardOutput = capture ? out : FileHandle.nullDevice
        p.standardError = capture ? out : FileHandle.nullDevice
        try p.run()
        let data = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw SkipReason(description: "\(argv.joined(separator: " ")) failed: \(text)") }
        return text
    }

    static func freePort() -> Int {
        // Any free port above the usual range; bind-check by trying 200 candidates.
        for _ in 0..<200 {
            let port = Int.random(in: 20_000...60_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
            close(fd)
            if ok { return port }
        }
        return 55_432
    }

    static func start() -> Result<TestPostgres, SkipReason> {
        if let url = ProcessInfo.processInfo.environment["SABA_TEST_POSTGRES_URL"], !url.isEmpty {
            let port = URLComponents(string: url)?.port ?? 5432
            return .success(TestPostgres(url: url, port: port, bin: binDir() ?? "/usr/bin", dataDir: nil))
        }
        guard let bin = binDir() else {
            return .failure(SkipReason(description: "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql-15)"))
        }
        do {
            let dir = (baseFolder() as NSString).appendingPathComponent("saba-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if getuid() == 0 { try sh(["chown", "postgres:postgres", dir]) }
            let data = dir + "/data"
            try sh(["\(bin)/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-locale"], asPostgres: true)
            // A port checked free can be taken before the server binds it: try again on another.
            var port = 0
            var lastError: (any Error)?
            for _ in 0..<5 {
                port = freePort()
                let options = "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off -c timezone=UTC -c full_page_writes=off"
                do {
                    try spawnAndWait(["\(bin)/pg_ctl", "-D", data, "-o", options, "-l", dir + "/server.log", "-w", "-t", "60", "start"], asPostgres: true)
                    lastError = nil
                    break
                } catch {
                    let log = (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? ""
                    lastError = SkipReason(description: "\(error); server.log: \(log.suffix(600))")
                }
            }
            if let lastError { throw lastError }
            let server = TestPostgres(url: "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable", port: port, bin: bin, dataDir: data)
            TestPostgres.stopAtExit.withLock { $0 = (bin, data, dir) }
            atexit {
                guard let (bin, data, dir) = TestPostgres.stopAtExit.withLock({ $0 }) else { return }
                try? TestPostgres.spawnAndWait(["\(bin)/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], asPostgres: true)
                try? FileManager.default.removeItem(atPath: dir)
            }
            return .success(server)
        } catch {
            return .failure(SkipReason(description: "could not start a private PostgreSQL: \(error)"))
        }
    }

    static let stopAtExit = Mutex<(String, String, String)?>(nil)

    /// Runs SQL through psql (fixtures only); fails the caller on any error.
    public func psql(_ sql: String, database: String = "postgres") throws {
        let psql = FileManager.default.isExecutableFile(atPath: "\(bin)/psql") ? "\(bin)/psql" : "psql"
        // Through a file: a bulk INSERT is longer than a command line may be.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("saba-psql-\(UUID().uuidString).sql")
        try Data(sql.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try Self.sh([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", "postgres", "-d", database, "-f", file.path])
    }

    /// The folder of the server's Unix socket (`-k`), for PGHOST tests.
    public var socketDirectory: String? { dataDir.map { ($0 as NSString).deletingLastPathComponent } }

    func ownData() throws -> String {
        guard let dataDir else { throw SkipReason(description: "SABA_TEST_POSTGRES_URL names an outside server: its configuration is not the tests' to change") }
        return dataDir
    }

    /// Re-reads pg_hba.conf and postgresql.auto.conf.
    public func reload() throws {
        try Self.spawnAndWait(["\(bin)/pg_ctl", "-D", ownData(), "reload"], asPostgres: true)
        usleep(300_000)
    }

    /// Puts `line` first in pg_hba.conf (first match wins) and reloads, once per line.
    public func prependHBA(_ line: String) throws {
        let path = try ownData() + "/pg_hba.conf"
        let current = try String(contentsOfFile: path, encoding: .utf8)
        guard !current.contains(line) else { return }
        try Data((line + "\n" + current).utf8).write(to: URL(fileURLWithPath: path))
        try reload()
    }

    /// Turns TLS on with this certificate and key (PEM files; copied next to the data, owned
    /// by the server's user with mode 0600 as PostgreSQL requires).
    public func enableSSL(certificate: String, key: String) throws {
        let dir = (try ownData() as NSString).deletingLastPathComponent
        let cert = dir + "/server.crt", keyCopy = dir + "/server.key"
        for (from, to) in [(certificate, cert), (key, keyCopy)] {
            try? FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
            chmod(to, 0o600)
            if getuid() == 0 { try Self.sh(["chown", "postgres:postgres", to]) }
        }
        try psql("ALTER SYSTEM SET ssl_cert_file = '\(cert)'; ALTER SYSTEM SET ssl_key_file = '\(keyCopy)'; ALTER SYSTEM SET ssl = on;")
        try reload()
    }

    /// One value from a query (psql -At), for checks on the server's own view.
    public func psqlValue(_ sql: String, database: String = "postgres") throws -> String {
        let psql = FileManager.default.isExecutableFile(atPath: "\(bin)/psql") ? "\(bin)/psql" : "psql"
        return try Self.sh([psql, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", "postgres", "-d", database, "-c", sql])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The trans ids the shared store holds (each stored line's first field), sorted and
    /// joined by commas ("" for none).
    public func storedTransIds(database: String) throws -> String {
        try psqlValue("""
            SELECT coalesce(string_agg(substr(split_part(line, chr(31), 1), 2), ',' ORDER BY substr(split_part(line, chr(31), 1), 2)), '')
            FROM saba_recon.ticket_chunks, unnest(lines) AS line
            """, database: database)
    }

    /// Makes every insert into the shared store's tickets take a second (a trigger), so a
    /// test can end the session while one is in flight.
    public func slowTicketInserts(database: String) throws {
        try psql("""
            CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
            CREATE TRIGGER slow AFTER INSERT ON saba_recon.ticket_chunks FOR EACH STATEMENT EXECUTE FUNCTION public.slow();
            """, database: database)
    }

    /// Ends the sessions of `database` running an insert of tickets, as a failover or an
    /// admin would (the client sees 57P01); whether one was ended.
    public func terminateTicketInserts(database: String) -> Bool {
        let ended = (try? psqlValue("""
            SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = '\(database)' AND state = 'active' AND query LIKE 'INSERT INTO saba_recon.ticket_chunks%' AND pid <> pg_backend_pid()) t
            """)) ?? "0"
        return (Int(ended) ?? 0) > 0
    }

    /// A fresh database for one test.
    public func makeDatabase() throws -> (url: String, name: String) {
        let name = "t_\(UInt32.random(in: 0...UInt32.max))"
        try psql("CREATE DATABASE \(name)")
        return ("postgres://postgres@127.0.0.1:\(port)/\(name)?sslmode=disable", name)
    }
}

/// Runs blocking work (libcurl, SQLite, a child process, a PostgreSQL read) on its own thread:
/// Swift Testing runs tests on the cooperative pool, which blocking calls would starve.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await Blocking.onOwnThread(work)
}
