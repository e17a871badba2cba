import Foundation

/// One setting that the config file, the environment and a flag can all give.
/// The table below is the one place that names a setting's file key, variable, flag and default,
/// so `--help`, `config check` and the docs cannot drift apart.
public struct SettingKey: Sendable, Hashable, CustomStringConvertible {
    public enum Secrecy: Sendable, Hashable {
        case none
        /// Shown as `[REDACTED]`.
        case whole
        /// A URL whose password (`user:secret@`) is hidden.
        case urlPassword
        /// A URL whose path and query are hidden (a dead-man's-switch URL carries its secret in the path).
        case urlPath
    }

    /// The config file key; nested keys are dotted (`metrics.textfile` is `metrics: {textfile: ...}`).
    public let name: String
    /// The command-line flag, if there is one.
    public let flag: String?
    /// Environment variables, strongest first: `SABA_RECON_<NAME>` and any older aliases.
    public let environment: [String]
    public let isList: Bool
    public let secrecy: Secrecy
    public let defaultValue: String?
    /// What a valid value looks like, for help and error messages.
    public let expects: String

    init(_ name: String, flag: String?, aliases: [String] = [], isList: Bool = false, secrecy: Secrecy = .none,
         default defaultValue: String? = nil, expects: String) {
        self.name = name
        self.flag = flag
        self.environment = ["SABA_RECON_" + name.uppercased().replacingOccurrences(of: ".", with: "_")] + aliases
        self.isList = isList
        self.secrecy = secrecy
        self.defaultValue = defaultValue
        self.expects = expects
    }

    public var description: String { name }

    /// "(config api_url, env SABA_RECON_API_URL or SABA_API_URL; default v1)" for `--help`.
    public var sourcesHelp: String {
        var text = "config \(name), env \(environment.joined(separator: " or "))"
        if let defaultValue { text += "; default \(defaultValue.isEmpty ? "none" : defaultValue)" }
        return "(\(text))"
    }

    public static let apiURL = SettingKey("api_url", flag: "--api-url", aliases: ["SABA_API_URL"], secrecy: .urlPassword, expects: "an https:// URL (http:// only for a local sandbox)")
    public static let apiVersion = SettingKey("api_version", flag: "--api-version", default: "v1", expects: "a version path segment such as v1")
    public static let apiUtcOffset = SettingKey("api_utc_offset", flag: "--api-utc-offset", default: "0", expects: "an hour offset such as 0, -4 or +05:30")
    public static let forwardedFor = SettingKey("forwarded_for", flag: "--forwarded-for", expects: "an IP address")
    public static let jwtFile = SettingKey("jwt_file", flag: "--jwt-file", expects: "a readable file holding the Saba JWT")
    public static let vendorId = SettingKey("login.vendor_id", flag: nil, aliases: ["SABA_VENDOR_ID"], secrecy: .whole, expects: "Saba's vendor_id")
    public static let vendorMemberId = SettingKey("login.vendor_member_id", flag: "--vendor-member-id", default: "", expects: "the vendor_member_id that /login issues the token to")
    public static let refreshBefore = SettingKey("login.refresh_before", flag: nil, default: "5m", expects: "a duration such as 300, 5m")
    public static let ledger = SettingKey("ledger", flag: "--ledger", aliases: ["SABA_LEDGER_URL"], secrecy: .urlPassword, default: "sqlite:ledger.sqlite", expects: "sqlite:PATH or postgres://user@host:port/db?sslmode=...")
    public static let ledgerTable = SettingKey("ledger_table", flag: "--ledger-table", default: "ledger", expects: "a table or view name (schema.table on PostgreSQL)")
    public static let ledgerStatementTimeout = SettingKey("ledger_statement_timeout", flag: "--ledger-statement-timeout", default: "10m", expects: "a duration such as 10m: one PostgreSQL ledger statement's time limit (statement_timeout)")
    public static let store = SettingKey("store", flag: "--store", secrecy: .urlPassword, expects: "postgres://... : share runs between processes through PostgreSQL (SPEC 7); unset = one process, run.sqlite")
    public static let lease = SettingKey("lease", flag: "--lease", default: "5m", expects: "a duration from 5s: how long a worker's claim lasts without a heartbeat")
    public static let out = SettingKey("out", flag: "--out", default: "Reports", expects: "a folder")
    public static let grace = SettingKey("grace", flag: "--grace", default: "15m", expects: "a duration such as 900, 15m, 1h")
    public static let accountingTz = SettingKey("accounting_tz", flag: "--accounting-tz", default: "+00:00", expects: "an offset from UTC such as +00:00, +08:00 or -4: the day daily.csv counts a ticket on")
    public static let tolerance = SettingKey("tolerance", flag: "--tolerance", default: "0", expects: "a non-negative amount in ledger units for every currency (0.01), per currency (USD=0.01,VND=1), or both (0.01,VND=1); in the file also a map {USD: 0.01, VND: 1}")
    public static let stakeBasis = SettingKey("stake_basis", flag: "--stake-basis", default: "actual", expects: "actual (the wallet debits the stake at risk: stake × |price| at a negative Malay, Indo or American price) or nominal (the stake whatever the price)")
    public static let refunds = SettingKey("refunds", flag: "--refunds", isList: true, default: "", expects: "refund-record files or folders")
    public static let refundMaxBytes = SettingKey("refund_max_bytes", flag: "--refund-max-bytes", default: "4294967296", expects: "a whole number of bytes a refund-record file may hold once decompressed, from 1024")
    public static let refundMaxLines = SettingKey("refund_max_lines", flag: "--refund-max-lines", default: "5000000", expects: "how many refund-record lines a run reads in all (they are held in memory), from 1000")
    public static let refundMaxMalformed = SettingKey("refund_max_malformed", flag: "--refund-max-malformed", default: "1000", expects: "how many malformed refund-record lines are listed one by one, from 1 to 1000000")
    public static let betStopWindow = SettingKey("bet_stop_window", flag: "--bet-stop-window", default: "60s", expects: "a duration such as 60, 60s, 2m")
    public static let marketGroups = SettingKey("market_groups", flag: "--market-groups", expects: "a JSON file of group -> [market ids]")
    public static let csvBom = SettingKey("csv_bom", flag: "--csv-bom", default: "false", expects: "true or false")
    public static let xlsx = SettingKey("xlsx", flag: "--xlsx", default: "true", expects: "true or false: write discrepancies.xlsx")
    public static let html = SettingKey("html", flag: "--html", default: "true", expects: "true or false: write report.html")
    public static let keepRuns = SettingKey("keep_runs", flag: "--keep-runs", expects: "a whole number of at least 1")
    public static let fetchTimeout = SettingKey("fetch_timeout", flag: "--fetch-timeout", default: "1h", expects: "a duration such as 30m, 1h: one GetBetDetails call from connect to last byte")
    public static let fetchMaxBytes = SettingKey("fetch_max_bytes", flag: "--fetch-max-bytes", default: "8589934592", expects: "a whole number of bytes one GetBetDetails body may hold, from 1024")
    public static let maxAttempts = SettingKey("max_attempts", flag: "--max-attempts", default: "5", expects: "a whole number from 1 to 100")
    public static let fetchConcurrency = SettingKey("fetch_concurrency", flag: "--fetch-concurrency", default: "4", expects: "a whole number from 1 to 16: GetBetDetails calls in flight together")
    public static let logLevel = SettingKey("log_level", flag: "--log-level", default: "warning", expects: "trace, debug, info, notice, warning, error or critical")
    public static let logFormat = SettingKey("log_format", flag: "--log-format", default: "text", expects: "text or json")
    public static let progress = SettingKey("progress", flag: "--progress", default: "auto", expects: "auto (on a terminal only), always or never")
    public static let metricsFile = SettingKey("metrics.textfile", flag: "--metrics-file", expects: "a .prom file path for node_exporter's textfile collector")
    public static let pgPasswordFile = SettingKey("pg_password_file", flag: "--pg-password-file", expects: "a file holding only the PostgreSQL password (a mounted Kubernetes Secret, a systemd credential), used when neither the URL nor PGPASSWORD gives one")
    public static let deadmanURL = SettingKey("metrics.deadman_url", flag: "--deadman-url", secrecy: .urlPath, expects: "an https:// ping URL, or http:// to a loopback host (start, success and fail pings)")
    public static let breakBook = SettingKey("break_book", flag: "--break-book", default: "", expects: "the break book's SQLite file (default OUT/breaks.sqlite), store (the run store's schema, the default with a store), or off")
    public static let failOn = SettingKey("fail_on", flag: "--fail-on", default: "unacknowledged", expects: "unacknowledged, new or any: which discrepancies make exit status 1 with the break book")
    public static let nightlyDays = SettingKey("nightly.days", flag: "--days", default: "180", expects: "a whole number of days from 1 to 180")

    /// Every setting, in the order `config check` prints them.
    public static let all: [SettingKey] = [
        apiURL, apiVersion, apiUtcOffset, forwardedFor, jwtFile, vendorId, vendorMemberId, refreshBefore,
        ledger, ledgerTable, ledgerStatementTimeout, store, pgPasswordFile, lease, out, grace, accountingTz, tolerance, stakeBasis, refunds, refundMaxBytes, refundMaxLines, refundMaxMalformed, betStopWindow, marketGroups, csvBom, xlsx, html, keepRuns,
        fetchTimeout, fetchMaxBytes, maxAttempts, fetchConcurrency, logLevel, logFormat, progress, metricsFile, deadmanURL, breakBook, failOn, nightlyDays,
    ]

    public static func named(_ name: String) -> SettingKey? { all.first { $0.name == name } }
}
