import Foundation
import SabaReconCore

/// A PostgreSQL connection's settings resolved as `psql` resolves them: the URL's parts and
/// query parameters, then libpq's environment variables (`PGHOST`, `PGPORT`, `PGUSER`,
/// `PGDATABASE`, `PGPASSWORD`, `PGPASSFILE`/`~/.pgpass`, `PGSSLMODE`, `PGSSLROOTCERT`,
/// `PGSSLCERT`, `PGSSLKEY`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`), then the defaults. Each value
/// remembers where it came from, for `config check`; the password's source, never the password.
public struct PostgresSettings: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The socket file `DIR/.s.PGSQL.PORT`.
        case socket(directory: String, port: Int)
    }

    public var endpoint: Endpoint
    public var user: String
    public var database: String
    public var password: String?
    public var sslmode: String
    public var sslrootcert: String?
    public var sslcert: String?
    public var sslkey: String?
    public var applicationName: String
    /// Seconds; libpq's default is to wait forever, the job's is bounded.
    public var connectTimeout: Int
    /// (setting, where it came from), in a fixed order.
    public var sources: [(String, String)] = []
    /// Why a password file was not used, said when a login fails.
    public var passfileNote: String?

    public static func == (a: PostgresSettings, b: PostgresSettings) -> Bool {
        a.endpoint == b.endpoint && a.user == b.user && a.database == b.database && a.password == b.password && a.sslmode == b.sslmode
            && a.sslrootcert == b.sslrootcert && a.sslcert == b.sslcert && a.sslkey == b.sslkey && a.applicationName == b.applicationName
            && a.connectTimeout == b.connectTimeout
    }

    public static let defaultConnectTimeout = 10
    static let queryParameters: Set<String> = [
        "host", "port", "user", "password", "dbname", "sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "connect_timeout",
    ]
    static let sslmodes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// `home`: for `~/.pgpass` and `~/.postgresql/`; `osUser`: libpq's default user name.
    /// `passwordFile` (`pg_password_file`): a file holding only the password, read after
    /// `PGPASSWORD` and before the password file of libpq, whose 0600 rule a mounted Secret
    /// (group-readable by the pod's fsGroup) cannot meet.
    public static func resolve(url: String, environment env: [String: String], passwordFile: String? = nil,
                               home: String? = nil, osUser: String? = nil) throws -> PostgresSettings {
        let redacted = CommandLineRedactor.redactURLPassword(url)
        func fail(_ message: String) -> LedgerError { LedgerError("\(redacted): \(message)") }
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw LedgerError("\(redacted) is not a postgres:// URL")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard queryParameters.contains(item.name) else {
                throw fail("unknown parameter '\(item.name)' (known: \(queryParameters.sorted().joined(separator: ", ")))")
            }
            query[item.name] = item.value ?? ""
        }
        var sources: [(String, String)] = []
        /// URL part, then query parameter, then environment variable, then default.
        // libpq: a query parameter replaces the URL's own part (postgres://a/db?host=b connects to b).
        func pick(_ name: String, url urlValue: String?, param: String? = nil, env variable: String?, default fallback: String?) -> String? {
            if let p = param, let v = query[p], !v.isEmpty { sources.append((name, "URL parameter \(p)")); return v }
            if let v = urlValue, !v.isEmpty { sources.append((name, "URL")); return v }
            if let variable, let v = env[variable], !v.isEmpty { sources.append((name, variable)); return v }
            if fallback != nil { sources.append((name, "default")) }
            return fallback
        }
        let home = home ?? env["HOME"] ?? NSHomeDirectory()
        let osUser = osUser ?? Self.currentUser() ?? env["USER"] ?? "postgres"

        let urlHost = components.percentEncodedHost.flatMap { $0.removingPercentEncoding }
        let defaultSocket = FileManager.default.fileExists(atPath: "/var/run/postgresql") ? "/var/run/postgresql" : "/tmp"
        guard let host = pick("host", url: urlHost, param: "host", env: "PGHOST", default: defaultSocket) else { throw fail("no host") }
        guard !host.contains(",") else { throw fail("several hosts ('\(host)') are not supported: name one") }
        let portText = pick("port", url: components.port.map(String.init), param: "port", env: "PGPORT", default: "5432") ?? "5432"
        guard let port = Int(portText), (1...65_535).contains(port) else { throw fail("port '\(portText)' is not a port number") }
        let user = pick("user", url: components.user?.removingPercentEncoding, param: "user", env: "PGUSER", default: osUser) ?? osUser
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        let database = pick("dbname", url: path.removingPercentEncoding, param: "dbname", env: "PGDATABASE", default: user) ?? user
        let endpoint: Endpoint = host.hasPrefix("/") ? .socket(directory: host, port: port) : .tcp(host: host, port: port)

        let isSocket = host.hasPrefix("/")
        let sslDefault = isSocket ? "prefer" : Self.defaultSSLMode(host: host)
        let sslmode = pick("sslmode", url: nil, param: "sslmode", env: "PGSSLMODE", default: sslDefault) ?? sslDefault
        guard sslmodes.contains(sslmode) else { throw fail("sslmode '\(sslmode)' is not \(sslmodes.joined(separator: ", "))") }
        func file(_ name: String, param: String, env variable: String, homeDefault: String) -> String? {
            if let v = pick(name, url: nil, param: param, env: variable, default: nil) { return v }
            let path = "\(home)/.postgresql/\(homeDefault)"
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            sources.append((name, "~/.postgresql/\(homeDefault)"))
            return path
        }
        let sslrootcert = file("sslrootcert", param: "sslrootcert", env: "PGSSLROOTCERT", homeDefault: "root.crt")
        let sslcert = file("sslcert", param: "sslcert", env: "PGSSLCERT", homeDefault: "postgresql.crt")
        let sslkey = file("sslkey", param: "sslkey", env: "PGSSLKEY", homeDefault: "postgresql.key")
        let applicationName = pick("application_name", url: nil, param: "application_name", env: "PGAPPNAME", default: "saba-recon") ?? "saba-recon"
        let timeoutText = pick("connect_timeout", url: nil, param: "connect_timeout", env: "PGCONNECT_TIMEOUT", default: String(defaultConnectTimeout)) ?? ""
        guard let connectTimeout = Int(timeoutText), (1...3600).contains(connectTimeout) else {
            throw fail("connect_timeout '\(timeoutText)' is not a whole number of seconds from 1 to 3600 (0, libpq's 'forever', is refused: a run must be bounded)")
        }

        var password: String?
        var note: String?
        // An empty password is no password (libpq then reads the password file).
        if let p = query["password"], !p.isEmpty {
            password = p
            sources.append(("password", "URL parameter password"))
        } else if let p = components.password?.removingPercentEncoding, !p.isEmpty {
            password = p
            sources.append(("password", "URL"))
        } else if let p = env["PGPASSWORD"], !p.isEmpty {
            password = p
            sources.append(("password", "PGPASSWORD"))
        } else if let passwordFile {
            password = try PasswordFile.read(passwordFile)
            sources.append(("password", "pg_password_file \(passwordFile)"))
        } else {
            let passfile = env["PGPASSFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.pgpass"
            switch PgPassFile.load(passfile) {
            case .file(let f):
                // libpq matches a socket connection as host "localhost".
                if let (p, line) = f.password(host: isSocket ? "localhost" : host, port: port, database: database, user: user) {
                    password = p
                    sources.append(("password", "\(passfile) line \(line)"))
                } else {
                    note = "no line of \(passfile) matches \(isSocket ? "localhost" : host):\(port):\(database):\(user)"
                }
            case .ignored(let why):
                note = why
            case .absent:
                break
            }
        }
        // The startup message separates its fields with NUL bytes: one inside a value would end it
        // early and let the rest be read as further parameters (a URL's %00 decodes to one).
        for (name, value) in [("host", host), ("user", user), ("dbname", database), ("application_name", applicationName), ("password", password ?? ""),
                              ("sslrootcert", sslrootcert ?? ""), ("sslcert", sslcert ?? ""), ("sslkey", sslkey ?? "")]
            where value.utf8.contains(0) {
            throw fail("\(name) holds a NUL byte (%00): refused, as libpq refuses it")
        }
        var settings = PostgresSettings(endpoint: endpoint, user: user, database: database, password: password, sslmode: sslmode,
                                        sslrootcert: sslrootcert, sslcert: sslcert, sslkey: sslkey, applicationName: applicationName,
                                        connectTimeout: connectTimeout)
        settings.sources = sources
        settings.passfileNote = note
        return settings
    }

    /// Without an sslmode: `verify-full` to any host that is not this machine (a wallet
    /// ledger's password and rows never cross a network unverified), `prefer` on loopback.
    static func defaultSSLMode(host: String) -> String {
        Settings.isLoopback(host) ? "prefer" : "verify-full"
    }

    /// libpq's default user: the account this process runs as.
    static func currentUser() -> String? {
        guard let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    /// `user@host:port/db`, with no password: for logs, the manifest and errors.
    public var display: String {
        switch endpoint {
        case .tcp(let host, let port): "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        case .socket(let dir, let port): "postgres://\(user)@/\(database)?host=\(dir)&port=\(port)"
        }
    }

    /// `config check`'s lines: each setting, its value (the password only as "set") and its source.
    public var describedSources: [String] {
        sources.map { name, source in
            let value: String
            switch name {
            case "password": value = "(set)"
            case "host":
                switch endpoint {
                case .tcp(let h, _): value = h
                case .socket(let d, _): value = "\(d) (socket)"
                }
            case "port": value = { if case .tcp(_, let p) = endpoint { return String(p) }; if case .socket(_, let p) = endpoint { return String(p) }; return "" }()
            case "user": value = user
            case "dbname": value = database
            case "sslmode": value = sslmode
            case "sslrootcert": value = sslrootcert ?? ""
            case "sslcert": value = sslcert ?? ""
            case "sslkey": value = sslkey ?? ""
            case "application_name": value = applicationName
            case "connect_timeout": value = "\(connectTimeout)s"
            default: value = ""
            }
            return "\(name) = \(value)  (from \(source))"
        } + (passfileNote.map { ["password file: \($0)"] } ?? [])
    }
}
