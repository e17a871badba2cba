import Foundation
import Logging
import PostgresNIO
import SabaReconCore
import Testing
import TestSupport
@testable import SabaReconIO

/// libpq's conventions, as psql users expect them: resolution rules (pure), then real
/// logins with only the environment, a password file, and TLS against the operator's CA.
@Suite struct PostgresSettingsTests {
    func resolve(_ url: String, _ env: [String: String] = [:], home: String = "/nonexistent") throws -> PostgresSettings {
        try PostgresSettings.resolve(url: url, environment: env, home: home, osUser: "osuser")
    }

    @Test func aURLWithNoHostTakesTheEnvironmentThenTheDefaults() throws {
        let s = try resolve("postgres:///wallet", ["PGHOST": "db.internal", "PGPORT": "6432", "PGUSER": "recon"])
        #expect(s.endpoint == .tcp(host: "db.internal", port: 6432))
        #expect(s.user == "recon" && s.database == "wallet")
        #expect(s.sslmode == "verify-full", "a host that is not this machine is verified")
        #expect(s.applicationName == "saba-recon" && s.connectTimeout == 10)
        let bare = try resolve("postgres://")
        #expect(bare.user == "osuser" && bare.database == "osuser")
        if case .socket = bare.endpoint {} else { Issue.record("no host and no PGHOST should be the local socket, got \(bare.endpoint)") }
    }

    @Test func theURLWinsOverTheEnvironment() throws {
        let env = ["PGHOST": "envhost", "PGPORT": "1111", "PGUSER": "envuser", "PGDATABASE": "envdb", "PGSSLMODE": "require",
                   "PGAPPNAME": "envapp", "PGCONNECT_TIMEOUT": "3", "PGPASSWORD": "envpw"]
        let s = try resolve("postgres://u:p%40ss@urlhost:2222/urldb?sslmode=disable&application_name=nightly&connect_timeout=7", env)
        #expect(s.endpoint == .tcp(host: "urlhost", port: 2222))
        #expect(s.user == "u" && s.database == "urldb" && s.password == "p@ss" && s.sslmode == "disable")
        #expect(s.applicationName == "nightly" && s.connectTimeout == 7)
        let e = try resolve("postgres:///", env)
        #expect(e.endpoint == .tcp(host: "envhost", port: 1111))
        #expect(e.user == "envuser" && e.database == "envdb" && e.password == "envpw" && e.sslmode == "require" && e.applicationName == "envapp" && e.connectTimeout == 3)
        #expect(e.describedSources.contains("host = envhost  (from PGHOST)"))
        #expect(e.describedSources.contains("password = (set)  (from PGPASSWORD)"))
        #expect(!e.describedSources.joined().contains("envpw"))
    }

    @Test func aSocketFolderAsHost() throws {
        let s = try resolve("postgres:///db", ["PGHOST": "/run/pg", "PGPORT": "5433"])
        #expect(s.endpoint == .socket(directory: "/run/pg", port: 5433))
        #expect(try resolve("postgres://%2Frun%2Fpg/db").endpoint == .socket(directory: "/run/pg", port: 5432))
        #expect(try resolve("postgres:///db?host=/run/pg").endpoint == .socket(directory: "/run/pg", port: 5432))
    }

    @Test func badValuesAreClearErrors() {
        for (url, words) in [("postgres://h/db?sslmode=sometimes", "sslmode 'sometimes'"), ("postgres://h/db?sslmod=disable", "unknown parameter 'sslmod'"),
                             ("postgres://h/db?connect_timeout=0", "connect_timeout '0'"), ("postgres://a,b/db", "several hosts"),
                             ("postgres://u:secret@h/db?port=99999", "port '99999'")] {
            do {
                _ = try resolve(url)
                Issue.record("\(url) accepted")
            } catch {
                #expect("\(error)".contains(words), "\(url): \(error)")
                #expect(!"\(error)".contains("secret"))
            }
        }
    }

    @Test func thePasswordFileFollowsLibpq() throws {
        let dir = TestTemp.url("pgpass")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("pgpass").path
        try Data("# comment\nother:5432:*:recon:nope\ndb.internal:5432:wallet:recon:pa\\:ss\\\\w\n*:*:*:*:fallback\n".utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o600)
        let s = try resolve("postgres://recon@db.internal/wallet", ["PGPASSFILE": file])
        #expect(s.password == "pa:ss\\w")
        #expect(s.describedSources.contains("password = (set)  (from \(file) line 3)"))
        #expect(try resolve("postgres://x@elsewhere/db", ["PGPASSFILE": file]).password == "fallback")
        // A socket connection matches the file's "localhost" lines.
        try Data("localhost:5432:db:x:sockpw\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try resolve("postgres://x@/db?host=/run/pg", ["PGPASSFILE": file]).password == "sockpw")
        chmod(file, 0o644)
        let open = try resolve("postgres://x@/db?host=/run/pg", ["PGPASSFILE": file])
        #expect(open.password == nil)
        #expect(open.passfileNote?.contains("chmod 600") == true)
        // ~/.pgpass when PGPASSFILE is not set.
        try Data("*:*:*:*:homepw\n".utf8).write(to: dir.appendingPathComponent(".pgpass"))
        chmod(dir.appendingPathComponent(".pgpass").path, 0o600)
        #expect(try resolve("postgres://x@h/db", [:], home: dir.path).password == "homepw")
    }

    /// A Secret mounted as Kubernetes mounts it: `password -> ..data/password`, group-readable.
    static func mountedSecret(_ text: String, mode: mode_t = 0o440) throws -> String {
        let dir = TestTemp.url("secret")
        let data = dir.appendingPathComponent("..2026_12_07").appendingPathComponent("password")
        try FileManager.default.createDirectory(at: data.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: data)
        chmod(data.path, mode)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("..data").path, withDestinationPath: "..2026_12_07")
        let link = dir.appendingPathComponent("password").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "..data/password")
        return link
    }

    @Test func aPasswordFileFromASecretComesAfterPGPASSWORDAndBeforePgpass() throws {
        let file = try Self.mountedSecret("s3cret:with$signs\n")
        let s = try PostgresSettings.resolve(url: "postgres://recon@db.internal/wallet", environment: [:], passwordFile: file, home: "/nonexistent")
        #expect(s.password == "s3cret:with$signs")
        #expect(s.describedSources.contains("password = (set)  (from pg_password_file \(file))"))
        #expect(try PostgresSettings.resolve(url: "postgres://recon@db.internal/wallet", environment: ["PGPASSWORD": "env"], passwordFile: file).password == "env")
        #expect(try PostgresSettings.resolve(url: "postgres://recon:url@db.internal/wallet", environment: [:], passwordFile: file).password == "url")
    }

    @Test func aPasswordFileThatCannotBeTheOneIsAClearError() throws {
        for (text, mode, why) in [("pw\n", mode_t(0o444), "lets others read it"), ("", mode_t(0o400), "it is empty"),
                                  ("a\nb\n", mode_t(0o400), "more than one line"), ("\n", mode_t(0o400), "it is empty")] {
            let file = try Self.mountedSecret(text, mode: mode)
            do {
                _ = try PostgresSettings.resolve(url: "postgres://recon@db.internal/wallet", environment: [:], passwordFile: file)
                Issue.record("accepted \(why)")
            } catch {
                #expect("\(error)".contains("pg_password_file \(file): ") && "\(error)".contains(why), "\(error)")
                #expect(!"\(error)".contains("pw"))
            }
        }
        do {
            _ = try PostgresSettings.resolve(url: "postgres://r@h/db", environment: [:], passwordFile: "/nonexistent/password")
            Issue.record("accepted a missing file")
        } catch {
            #expect("\(error)".contains("pg_password_file /nonexistent/password: cannot read it"), "\(error)")
        }
    }
}

@Suite(.serialized) struct PostgresLoginTests {
    func ledgerTable(_ pg: TestPostgres, _ database: String) throws {
        try pg.psql("""
            CREATE TABLE ledger (entry_id text, provider text, ticket_id text, member_id text, kind text, amount numeric, currency text,
                                 created_at timestamptz, ref text, event_id text, market_id text, specifiers text);
            INSERT INTO ledger VALUES ('a', 'saba', 't', 'm', 'bet', -1, 'USD', now(), NULL, NULL, NULL, NULL);
            GRANT SELECT ON ledger TO recon_scram;
            """, database: database)
    }

    func count(_ source: PostgresLedgerSource) async throws -> Int {
        try await blocking {
            try source.validate()
            var n = 0
            try source.forEachEntry(provider: "saba", since: .distantPast) { _ in n += 1 }
            source.close()
            return n
        }
    }

    @Test func onlyPGHOSTPGPORTPGUSERAndAPasswordFileWithScram() async throws {
        let pg = try TestPostgres.server()
        let (_, name) = try pg.makeDatabase()
        try pg.psql("DO $$ BEGIN CREATE ROLE recon_scram LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$; SET password_encryption = 'scram-sha-256'; ALTER ROLE recon_scram PASSWORD 'Pw:from\\pgpass';")
        try pg.prependHBA("host all recon_scram 127.0.0.1/32 scram-sha-256")
        try ledgerTable(pg, name)
        let dir = TestTemp.url("pgpass")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let passfile = dir.appendingPathComponent("pgpass").path
        try Data("127.0.0.1:\(pg.port):\(name):recon_scram:Pw\\:from\\\\pgpass\n".utf8).write(to: URL(fileURLWithPath: passfile))
        chmod(passfile, 0o600)
        let env = ["PGHOST": "127.0.0.1", "PGPORT": String(pg.port), "PGUSER": "recon_scram", "PGPASSFILE": passfile, "PGSSLMODE": "disable"]
        let source = try PostgresLedgerSource(url: "postgres:///\(name)", environment: env)
        #expect(try await count(source) == 1)
        // Group- or world-readable: ignored, as libpq does, and the failure says why.
        chmod(passfile, 0o644)
        let refused = try PostgresLedgerSource(url: "postgres:///\(name)", environment: env)
        do {
            _ = try await count(refused)
            Issue.record("logged in with an ignored password file")
        } catch {
            #expect("\(error)".contains("chmod 600"), "\(error)")
            #expect(!"\(error)".contains("Pw:from"))
        }
    }

    /// The Kubernetes manifests mount the password as a Secret file (`pg_password_file`).
    @Test func aPasswordFileMountedFromASecretLogsIn() async throws {
        let pg = try TestPostgres.server()
        let (_, name) = try pg.makeDatabase()
        try pg.psql("DO $$ BEGIN CREATE ROLE recon_scram LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$; SET password_encryption = 'scram-sha-256'; ALTER ROLE recon_scram PASSWORD 'Pw:from\\pgpass';")
        try pg.prependHBA("host all recon_scram 127.0.0.1/32 scram-sha-256")
        try ledgerTable(pg, name)
        let file = try PostgresSettingsTests.mountedSecret("Pw:from\\pgpass\n")
        let source = try PostgresLedgerSource(url: "postgres://recon_scram@127.0.0.1:\(pg.port)/\(name)?sslmode=disable", environment: [:], passwordFile: file)
        #expect(try await count(source) == 1)
    }

    @Test func aSocketFolderInPGHOST() async throws {
        let pg = try TestPostgres.server()
        guard let socket = pg.socketDirectory else { return }
        let (_, name) = try pg.makeDatabase()
        try pg.psql("DO $$ BEGIN CREATE ROLE recon_scram LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;")
        try ledgerTable(pg, name)
        let source = try PostgresLedgerSource(url: "postgres:///\(name)", environment: ["PGHOST": socket, "PGPORT": String(pg.port), "PGUSER": "postgres"])
        #expect(try await count(source) == 1)
    }

    /// A CA and a server certificate for 127.0.0.1 and localhost, made with openssl.
    func certificates(in dir: URL) throws -> (ca: String, cert: String, key: String, otherCA: String) {
        let openssl = try ExternalReader.require(["openssl"], package: "openssl")
        let p = { (name: String) in dir.appendingPathComponent(name).path }
        try openssl.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "2", "-subj", "/CN=saba-recon test CA"])
        try openssl.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("other.key"), "-out", p("other.crt"), "-days", "2", "-subj", "/CN=someone else"])
        try openssl.run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("server.key"), "-out", p("server.csr"), "-subj", "/CN=127.0.0.1"])
        try Data("subjectAltName=IP:127.0.0.1,DNS:localhost\n".utf8).write(to: URL(fileURLWithPath: p("san.ext")))
        try openssl.run(["x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial",
                         "-out", p("server.crt"), "-days", "2", "-extfile", p("san.ext")])
        return (p("ca.crt"), p("server.crt"), p("server.key"), p("other.crt"))
    }

    @Test func verifyFullWithTheOperatorsRootCertificate() async throws {
        let pg = try TestPostgres.server()
        let dir = TestTemp.url("pgtls")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let certs = try certificates(in: dir)
        try pg.enableSSL(certificate: certs.cert, key: certs.key)
        let (_, name) = try pg.makeDatabase()
        try pg.psql("DO $$ BEGIN CREATE ROLE recon_scram LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;")
        try ledgerTable(pg, name)
        let url = "postgres://postgres@127.0.0.1:\(pg.port)/\(name)?sslmode=verify-full&sslrootcert=\(certs.ca)"
        let source = try PostgresLedgerSource(url: url)
        let ssl: Bool = try await blocking {
            try Blocking.run {
                let c = try await source.connection()
                for try await on in try await c.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: Logger(label: "t")).decode(Bool.self) { return on }
                return false
            }
        }
        #expect(ssl, "the session is not encrypted")
        #expect(try await count(source) == 1)
        // The root from PGSSLROOTCERT, the URL naming none.
        let fromEnv = try PostgresLedgerSource(url: "postgres://postgres@127.0.0.1:\(pg.port)/\(name)?sslmode=verify-full",
                                               environment: ["PGSSLROOTCERT": certs.ca])
        #expect(try await count(fromEnv) == 1)
        // A server certificate the operator's CA did not sign is refused.
        let wrong = try PostgresLedgerSource(url: "postgres://postgres@127.0.0.1:\(pg.port)/\(name)?sslmode=verify-full&sslrootcert=\(certs.otherCA)")
        await #expect(throws: LedgerError.self) { _ = try await count(wrong) }
    }
}

@Suite struct PostgresSettingsLibpqEdgeTests {
    @Test func aQueryParameterReplacesTheURLsOwnPart() throws {
        let s = try PostgresSettings.resolve(url: "postgres://a:1/db?host=b&port=2&dbname=other", environment: [:], home: "/nonexistent", osUser: "u")
        #expect(s.endpoint == .tcp(host: "b", port: 2) && s.database == "other")
    }

    @Test func anEmptyPasswordIsNoneAndThePasswordFileIsRead() throws {
        let dir = TestTemp.url("pgpass")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("pgpass").path
        try Data("*:*:*:*:fromfile\n".utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o600)
        let s = try PostgresSettings.resolve(url: "postgres://u:@h/db", environment: ["PGPASSWORD": "", "PGPASSFILE": file], home: "/nonexistent", osUser: "u")
        #expect(s.password == "fromfile")
    }

    @Test func withTLSOffNoClientCertificateIsLoaded() throws {
        let s = try PostgresSettings.resolve(url: "postgres://u@h/db?sslmode=disable&sslcert=/nonexistent.crt", environment: [:], home: "/nonexistent", osUser: "u")
        #expect(throws: Never.self) { _ = try s.connectionConfiguration() }
    }

    @Test func theDefaultUserIsTheAccountThisProcessRunsAs() throws {
        let s = try PostgresSettings.resolve(url: "postgres://h/db", environment: ["USER": "somebody-else"], home: "/nonexistent")
        #expect(s.user == PostgresSettings.currentUser())
    }
}
