import ArgumentParser
import Foundation
import Logging
import SabaReconCore
import SabaReconIO

/// `saba-recon run`: one reconciliation over a range.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Reconcile one range of Saba tickets against the wallet ledger.",
        discussion: """
            The JWT comes from the SABA_JWT environment variable or --jwt-file; it is never logged or written to a report. The ledger is only read. Exit status: 0 reconciled, 1 discrepancies reported, 2 the run failed.

            Examples:
              saba-recon run --from 2026-07-01 --to 2026-07-31 \\
                --api-url https://saba.example --ledger sqlite:/srv/ledger.sqlite
              saba-recon run --window 2026-07-14T00:00:00..2026-07-15T00:00:00 \\
                --jwt-file /run/secrets/saba.jwt --api-url https://saba.example
            """
    )

    @OptionGroup(title: "Range") var range: RangeOptions
    @OptionGroup(title: "Provider, ledger and reports") var job: JobOptions

    @Option(help: ArgumentHelp("Continue a run that was killed, in its own folder, with its own windows and clock: finished windows are not fetched again. The range options are then not needed.", valueName: "run-id"))
    var resume: String?

    func run() throws {
        let start: ReconcileOptions.Start = resume.map { .resume(runId: $0) } ?? .fresh
        let status = try job.execute(range: range, commandLine: CommandLine.arguments, start: start)
        if status != 0 { throw ExitCode(status) }
    }
}

struct JobOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Saba API base URL (or SABA_API_URL).", valueName: "url"))
    var apiURL: String?

    @Option(help: ArgumentHelp("GetBetDetails API version.", valueName: "version"))
    var apiVersion = "v1"

    @Option(parsing: .unconditional, help: ArgumentHelp("Hours east of UTC that Saba's query and ticket times are in (classic Saba APIs: -4).", valueName: "hours"))
    var apiUtcOffset = "0"

    @Option(help: ArgumentHelp("Send X-Forwarded-For with this address (needed when calling through a proxy).", valueName: "ip"))
    var forwardedFor: String?

    @Option(help: ArgumentHelp("Read the Saba JWT from this file instead of SABA_JWT.", valueName: "path"))
    var jwtFile: String?

    @Option(help: ArgumentHelp("The wallet ledger: sqlite:PATH (or a plain path), or postgres://user@host:port/db?sslmode=... (password from PGPASSWORD or the URL; never logged).", valueName: "url"))
    var ledger = "sqlite:ledger.sqlite"

    @Option(help: ArgumentHelp("Ledger table or view with the SPEC 1.3 columns (schema.table on PostgreSQL).", valueName: "name"))
    var ledgerTable = "ledger"

    @Option(help: ArgumentHelp("Report root: each run writes OUT/<run-id>/ and moves OUT/latest when complete.", valueName: "dir"))
    var out = "Reports"

    @Option(help: ArgumentHelp("Tickets younger than this are pending, not discrepancies (900, 15m, 1h).", valueName: "duration"))
    var grace = "15m"

    @Option(parsing: .unconditional, help: ArgumentHelp("Money differences up to this amount (ledger units) are ignored; default exact.", valueName: "amount"))
    var tolerance = "0"

    @Option(help: ArgumentHelp("Provider refund records: a .jsonl or .jsonl.gz file, or a folder of them (repeatable). eBET autoBatchRefund, JDB Cancel BetNSettle, odds-feed bet_cancel and bet_stop; raw messages or {received_at, provider, request, response} envelopes.", valueName: "path"))
    var refunds: [String] = []

    @Option(help: ArgumentHelp("Report a feed bet accepted up to this long after a bet_stop of its event (the feed sends no resume message).", valueName: "duration"))
    var betStopWindow = "60s"

    @Option(help: ArgumentHelp("JSON file {\"group\": [\"market id\", ...]} for bet_stop messages that name groups instead of \"all\".", valueName: "path"))
    var marketGroups: String?

    @Flag(help: "Start the CSV files with a UTF-8 byte order mark, for Excel.")
    var csvBom = false

    @Option(help: ArgumentHelp("After a completed run, delete all but the newest N run folders (never latest, never an unfinished run).", valueName: "n"))
    var keepRuns: Int?

    @Option(help: ArgumentHelp("Attempts per GetBetDetails call before the run fails.", valueName: "n"))
    var maxAttempts = 5

    @Option(help: ArgumentHelp("Log level on stderr: trace, debug, info, notice, warning, error.", valueName: "level"))
    var logLevel = "warning"

    func tokenSource() throws -> StaticTokenSource {
        if let jwtFile { return try StaticTokenSource.file(jwtFile) }
        guard let env = ProcessInfo.processInfo.environment["SABA_JWT"], !env.isEmpty else {
            throw ParsingFailure("no Saba JWT: set SABA_JWT or give --jwt-file")
        }
        return try StaticTokenSource(token: env, origin: "SABA_JWT")
    }

    func ledgerSource() throws -> any LedgerSource {
        if ledger.hasPrefix("postgres://") || ledger.hasPrefix("postgresql://") {
            return try PostgresLedgerSource(url: ledger, table: ledgerTable)
        }
        var path = ledger
        if path.hasPrefix("sqlite://") { path.removeFirst("sqlite://".count) } else if path.hasPrefix("sqlite:") { path.removeFirst("sqlite:".count) }
        guard !path.isEmpty else { throw ParsingFailure("--ledger '\(ledger)' names no file") }
        return try SQLiteLedgerSource(path: path, table: ledgerTable)
    }

    func logger(_ label: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw ParsingFailure("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        LogSetup.bootstrap(level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// `{"group": ["market id", ...]}` -> market id -> group.
    static func readMarketGroups(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ParsingFailure("cannot read --market-groups \(path)") }
        guard let value = try? JSONValue.parse([UInt8](data)), case .object(let groups) = value else {
            throw ParsingFailure("--market-groups \(path) is not a JSON object of group -> [market ids]")
        }
        var map: [String: String] = [:]
        for (group, markets) in groups {
            guard case .array(let ids) = markets else { throw ParsingFailure("--market-groups \(path): group '\(group)' is not an array") }
            for id in ids {
                switch id {
                case .string(let s), .number(let s): map[s] = group
                default: throw ParsingFailure("--market-groups \(path): group '\(group)' has a market id that is not a string or number")
                }
            }
        }
        return map
    }

    /// Runs the job and returns its exit status (0 or 1); failures throw.
    func execute(range: RangeOptions, commandLine: [String], transport: any HTTPTransport = CurlTransport(),
                 tokens explicitTokens: StaticTokenSource? = nil, quiet: Bool = false,
                 start: ReconcileOptions.Start = .fresh) throws -> Int32 {
        let logger = try logger("saba-recon")
        guard let graceSeconds = DurationText.parse(grace) else { throw ParsingFailure("--grace '\(grace)' is not a duration (900, 15m, 1h)") }
        guard let toleranceValue = Money.parse(tolerance), toleranceValue >= 0 else { throw ParsingFailure("--tolerance '\(tolerance)' is not a non-negative decimal") }
        guard let offset = DurationText.parseOffset(apiUtcOffset) else { throw ParsingFailure("--api-utc-offset '\(apiUtcOffset)' is not an hour offset such as -4 or +05:30") }
        guard maxAttempts >= 1 else { throw ParsingFailure("--max-attempts must be at least 1") }
        let now = try range.resolvedNow()
        let margin = try range.margin()
        // A resumed or re-matched run takes its windows and clock from its run.json.
        let plan: WindowPlan
        if case .fresh = start {
            plan = try WindowPlanner(edgeMargin: margin).plan(range.requestedRange(), now: now, clamp: range.clamp)
        } else {
            plan = WindowPlan(range: TimeRange(start: now, end: now), windows: [], edgeWindows: [], clamped: false)
        }
        var client: SabaClient?
        if case .rediff = start {
            client = nil
        } else {
            guard let url = apiURL ?? ProcessInfo.processInfo.environment["SABA_API_URL"], !url.isEmpty else {
                throw ParsingFailure("no Saba API URL: give --api-url or set SABA_API_URL")
            }
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else { throw ParsingFailure("--api-url '\(url)' must start with https:// (or http:// for a local sandbox)") }
            let tokens = try explicitTokens ?? tokenSource()
            client = SabaClient(
                config: SabaClientConfig(apiURL: url, apiVersion: apiVersion, forwardedFor: forwardedFor, timeOffset: offset, maxAttempts: maxAttempts),
                transport: transport, tokens: tokens, clock: SystemWallClock(), logger: logger)
        }
        let ledgerSource = try ledgerSource()
        let clock = SystemWallClock()
        let options = ReconcileOptions(
            plan: plan, now: now, grace: graceSeconds, tolerance: toleranceValue, edgeMargin: margin,
            outRoot: URL(fileURLWithPath: out), byteOrderMark: csvBom,
            commandLine: CommandLineRedactor.redact(commandLine), toolVersion: SabaRecon.version)
        var jobOptions = options
        jobOptions.start = start
        jobOptions.refundPaths = refunds
        guard let stopWindow = DurationText.parse(betStopWindow) else { throw ParsingFailure("--bet-stop-window '\(betStopWindow)' is not a duration (60, 60s, 2m)") }
        jobOptions.betStopWindow = stopWindow
        if let marketGroups { jobOptions.marketGroups = try Self.readMarketGroups(marketGroups) }
        if let keepRuns, keepRuns < 1 { throw ParsingFailure("--keep-runs must be at least 1") }
        let result = try ReconcileJob(options: jobOptions, client: client, ledger: ledgerSource, clock: clock, logger: logger).run()
        if let keepRuns {
            let removed = try RunRetention.prune(root: URL(fileURLWithPath: out), keep: keepRuns, current: result.runId)
            if !removed.isEmpty { logger.notice("--keep-runs \(keepRuns): removed \(removed.joined(separator: ", "))") }
        }
        if !quiet {
            let r = result.reconciliation
            let outcome = r.rows.isEmpty ? "reconciled, no discrepancies" : "\(r.rows.count) discrepanc\(r.rows.count == 1 ? "y" : "ies")"
            print("run \(result.runId): \(result.ticketsStaged) tickets, \(r.groupsJudged) judged, \(r.pending.count) pending: \(outcome)")
            print("reports: \(result.folder.path)/discrepancies.csv")
        }
        return result.exitStatus
    }
}
