import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// The options `run`, `nightly`, `rediff` and `config check` share. Every one is optional here:
/// a value left out comes from the environment, then the config file, then the default
/// (`SettingKey` names all four), so a flag given always wins and a flag not given never
/// hides the config file.
struct JobOptions: ParsableArguments {
    @Option(help: ArgumentHelp("YAML config file (see Jobs/saba-recon.yaml). Default: SABA_RECON_CONFIG, else none. Flags override environment variables, which override the file.", valueName: "path"))
    var config: String?

    @Option(help: help(.apiURL, "Saba API base URL.", value: "url")) var apiURL: String?
    @Option(help: help(.apiVersion, "GetBetDetails API version.", value: "version")) var apiVersion: String?
    @Option(parsing: .unconditional, help: help(.apiUtcOffset, "Hours east of UTC that Saba's query and ticket times are in (classic Saba APIs: -4).", value: "hours"))
    var apiUtcOffset: String?
    @Option(help: help(.forwardedFor, "Send X-Forwarded-For with this address (needed when calling through a proxy).", value: "ip")) var forwardedFor: String?
    @Option(help: help(.jwtFile, "Read the Saba JWT from this file (read again whenever it changes). Without it: SABA_JWT, else a login with login.vendor_id.", value: "path"))
    var jwtFile: String?
    @Option(help: help(.vendorMemberId, "vendor_member_id for Saba's POST /login (the vendor_id comes from SABA_VENDOR_ID or the config file, never a flag).", value: "id"))
    var vendorMemberId: String?
    @Option(help: help(.ledger, "The wallet ledger: sqlite:PATH (or a plain path), or postgres://[user@][host][:port][/db][?sslmode=...] read as psql reads it: PGHOST, PGPORT, PGUSER, PGDATABASE, the password from ~/.pgpass (0600) or PGPASSFILE or PGPASSWORD, PGSSLMODE, sslrootcert... (docs/postgresql-ledger.md). Never logged.", value: "url"))
    var ledger: String?
    @Option(help: help(.ledgerTable, "Ledger table or view with the SPEC 1.3 columns (schema.table on PostgreSQL).", value: "name")) var ledgerTable: String?
    @Option(help: help(.store, "Share runs between processes through this PostgreSQL (run --store waits for its run; worker helps every open run). Password as for the ledger: PGPASSWORD, ~/.pgpass.", value: "url"))
    var store: String?
    @Option(help: help(.pgPasswordFile, "The PostgreSQL password (ledger and store) from a file that holds only it, such as a mounted Secret, when neither the URL nor PGPASSWORD gives one (before ~/.pgpass).", value: "path"))
    var pgPasswordFile: String?
    @Option(help: help(.lease, "How long a worker's claim on a window lasts without a heartbeat; a killed worker's window is taken over after it.", value: "duration"))
    var lease: String?
    @Option(help: help(.ledgerStatementTimeout, "Time limit of one PostgreSQL ledger statement (the session's statement_timeout).", value: "duration")) var ledgerStatementTimeout: String?
    @Option(help: help(.out, "Report root: each run writes OUT/<run-id>/ and moves OUT/latest when complete.", value: "dir")) var out: String?
    @Option(help: help(.grace, "Tickets younger than this are pending, not discrepancies (900, 15m, 1h).", value: "duration")) var grace: String?
    @Option(parsing: .unconditional, help: help(.accountingTz, "The accounting day of daily.csv: a ticket counts on its transTime's date at this offset from UTC (+08:00, -4).", value: "offset")) var accountingTz: String?
    @Option(parsing: .unconditional, help: help(.tolerance, "Money differences up to this amount (ledger units) are ignored, on top of rounding: an exact amount with more decimals than the currency books matches a ledger amount less than one minor unit away; one that fits compares exactly. One amount (0.01), per currency (USD=0.01,VND=1), or both (0.01,VND=1).", value: "amount|CODE=amount,..."))
    var tolerance: String?
    @Option(help: help(.stakeBasis, "What the wallet debits at placement: actual = the stake at risk (stake × |price| at a negative Malay or Indo price, / 100 for American), nominal = the stake.", value: "basis"))
    var stakeBasis: String?
    @Option(help: help(.refunds, "Provider refund records: a .jsonl or .jsonl.gz file, or a folder of them (repeatable; replaces the config file's list). eBET autoBatchRefund, JDB Cancel BetNSettle, odds-feed bet_cancel and bet_stop.", value: "path"))
    var refunds: [String] = []
    @Option(help: help(.refundMaxBytes, "Bytes one refund-record file may hold once decompressed; more is exit 2 naming the file (a gzip bomb).", value: "bytes")) var refundMaxBytes: String?
    @Option(help: help(.refundMaxLines, "Refund-record lines a run reads in all (held in memory); more is exit 2 naming the file.", value: "n")) var refundMaxLines: String?
    @Option(help: help(.refundMaxMalformed, "Malformed refund-record lines listed one by one; the rest are one row with their count.", value: "n")) var refundMaxMalformed: String?
    @Option(help: help(.betStopWindow, "Report a feed bet accepted up to this long after a bet_stop of its event.", value: "duration")) var betStopWindow: String?
    @Option(help: help(.marketGroups, "JSON file {\"group\": [\"market id\", ...]} for bet_stop messages that name groups.", value: "path")) var marketGroups: String?
    @Flag(inversion: .prefixedNo, help: help(.csvBom, "Start the CSV files with a UTF-8 byte order mark, for Excel.")) var csvBom: Bool?
    @Flag(inversion: .prefixedNo, help: help(.xlsx, "Write discrepancies.xlsx (sheets Discrepancies, Summary, Daily, Pending; ids as text, money as numbers, UTC dates).")) var xlsx: Bool?
    @Flag(inversion: .prefixedNo, help: help(.html, "Write report.html (one self-contained page: outcome, charts, tables, trend of the last runs in --out).")) var html: Bool?
    @Option(help: help(.keepRuns, "After a completed run, delete all but the newest N run folders (never latest, never an unfinished run).", value: "n")) var keepRuns: String?
    @Option(help: help(.fetchTimeout, "Time limit of one GetBetDetails call, connect to last byte (a trickling or endless body fails, named).", value: "duration")) var fetchTimeout: String?
    @Option(help: help(.fetchMaxBytes, "Bytes one GetBetDetails body may hold; more fails the call, named.", value: "bytes")) var fetchMaxBytes: String?
    @Option(help: help(.maxAttempts, "Attempts per GetBetDetails call before the run fails.", value: "n")) var maxAttempts: String?
    @Option(help: help(.fetchConcurrency, "GetBetDetails calls in flight together (1 to 16); a 429 or E009 to one holds them all.", value: "n")) var fetchConcurrency: String?
    @Option(help: help(.logLevel, "Log level on stderr.", value: "level")) var logLevel: String?
    @Option(help: help(.logFormat, "Log lines as text, or one JSON object per line (json) for a log shipper.", value: "format")) var logFormat: String?
    @Option(help: help(.progress, "The progress line on stderr: auto shows it on a terminal only (never under cron or with json logs).", value: "mode")) var progress: String?
    @Option(help: help(.metricsFile, "Write Prometheus metrics here at the end of every run, success or failure (atomically).", value: "path")) var metricsFile: String?
    @Option(help: help(.deadmanURL, "Dead-man's-switch URL (healthchecks.io style): pinged at URL/start, URL on completion, URL/fail on failure. Treated as a secret.", value: "url"))
    var deadmanURL: String?
    @Option(help: help(.breakBook, "The break book (SPEC 9): which discrepancies were reported before, acknowledged, resolved. A SQLite file (default OUT/breaks.sqlite), store (the run store's schema; the default with --store), or off to keep none.", value: "path")) var breakBook: String?
    @Option(help: help(.failOn, "With the break book, what exit status 1 means: unacknowledged (a discrepancy nobody acknowledged), new (first seen, changed or reopened), any.", value: "which")) var failOn: String?
    @Flag(help: "Validate the arguments, config file and environment, print the effective settings (secrets redacted) and exit 0 without calling Saba or the ledger.")
    var check = false

    static func help(_ key: SettingKey, _ text: String, value: String? = nil) -> ArgumentHelp {
        ArgumentHelp("\(text) \(key.sourcesHelp)", valueName: value)
    }

    /// The flags actually given, by setting name.
    func flagValues() -> [String: SettingValue] {
        var flags: [String: SettingValue] = [:]
        let texts: [(SettingKey, String?)] = [
            (.apiURL, apiURL), (.apiVersion, apiVersion), (.apiUtcOffset, apiUtcOffset), (.forwardedFor, forwardedFor),
            (.jwtFile, jwtFile), (.vendorMemberId, vendorMemberId), (.ledger, ledger), (.ledgerTable, ledgerTable), (.ledgerStatementTimeout, ledgerStatementTimeout), (.store, store), (.pgPasswordFile, pgPasswordFile), (.lease, lease), (.out, out),
            (.grace, grace), (.accountingTz, accountingTz), (.tolerance, tolerance), (.stakeBasis, stakeBasis), (.betStopWindow, betStopWindow), (.refundMaxBytes, refundMaxBytes), (.fetchTimeout, fetchTimeout), (.fetchMaxBytes, fetchMaxBytes), (.refundMaxMalformed, refundMaxMalformed), (.refundMaxLines, refundMaxLines), (.marketGroups, marketGroups),
            (.csvBom, csvBom.map { $0 ? "true" : "false" }), (.xlsx, xlsx.map { $0 ? "true" : "false" }), (.html, html.map { $0 ? "true" : "false" }), (.keepRuns, keepRuns), (.maxAttempts, maxAttempts), (.fetchConcurrency, fetchConcurrency),
            (.logLevel, logLevel), (.logFormat, logFormat), (.progress, progress), (.metricsFile, metricsFile), (.deadmanURL, deadmanURL), (.breakBook, breakBook), (.failOn, failOn),
        ]
        for (key, value) in texts { if let value { flags[key.name] = .text(value) } }
        if !refunds.isEmpty { flags[SettingKey.refunds.name] = .list(refunds) }
        return flags
    }

    /// Flags over `environment` over the config file over defaults.
    func settings(environment: [String: String], extraFlags: [String: SettingValue] = [:]) throws -> Settings {
        let path = config ?? environment["SABA_RECON_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let document = try path.map { try ConfigFile.load($0) }
        return Settings(file: document, environment: environment, flags: flagValues().merging(extraFlags) { $1 })
    }
}
