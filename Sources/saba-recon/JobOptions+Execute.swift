import ArgumentParser
import Foundation
import Logging
import SabaReconCore
import SabaReconIO

extension JobOptions {
    /// The effective, checked settings. A run that fails here still updates the metrics file and
    /// pings the dead-man's switch's fail URL (when they can be read), so a broken config shows up
    /// as a failed night. `config check` and `--check` only look: they touch neither.
    func resolve(command: String, environment: [String: String], needsProvider: Bool,
                 extraFlags: [String: SettingValue] = [:]) throws -> ResolvedJob {
        do {
            return try ResolvedJob(settings(environment: environment, extraFlags: extraFlags), environment: environment, needsProvider: needsProvider)
        } catch {
            if !check, command != "config", let s = try? settings(environment: environment, extraFlags: extraFlags) {
                if let path = s.text(.metricsFile) {
                    var metrics = RunMetrics(command: command, startedAt: Date())
                    metrics.finishedAt = metrics.startedAt
                    try? MetricsTextfile.write(metrics, to: path)
                }
                if let url = try? s.url(.deadmanURL, allowHTTP: true) {
                    DeadMansSwitch(url: url, transport: CurlTransport(), logger: Logger(label: "saba-recon"))
                        .ping(.fail, message: "saba-recon \(command) failed: \(error)")
                }
            }
            throw error
        }
    }

    /// `--check`: the effective settings and what the run would do, then exit 0.
    func printCheck(_ job: ResolvedJob, plan: WindowPlan?, note: String? = nil) {
        for line in job.describe() { print(line) }
        if let plan {
            print("range: \(UTCTime.iso(plan.range.start))..\(UTCTime.iso(plan.range.end)), \(plan.windows.count) window(s)\(plan.clamped ? " (clamped to the 180-day limit)" : "")")
        }
        if let note { print(note) }
        print("ok: settings are valid (nothing was fetched)")
    }

    func logger(_ job: ResolvedJob) -> Logger {
        LogSetup.bootstrap(level: job.logLevel, json: job.logJSON)
        var logger = Logger(label: "saba-recon")
        logger.logLevel = job.logLevel
        return logger
    }

    func tokenSource(_ job: ResolvedJob, transport: any HTTPTransport, logger: Logger) throws -> any TokenSource {
        switch job.token {
        case .environment(let token): return try StaticTokenSource(token: token, origin: "SABA_JWT")
        case .file(let path): return try FileTokenSource(path: path)
        case .login(let vendor, let member, let before):
            guard let url = job.apiURL else { throw ParsingFailure("login needs api_url") }
            return LoginTokenSource(apiURL: url, vendorId: vendor, vendorMemberId: member, refreshBefore: before, transport: transport, logger: logger)
        case .none:
            throw ParsingFailure("no Saba token: set SABA_JWT, give --jwt-file, or configure login.vendor_id")
        }
    }

    func ledgerSource(_ job: ResolvedJob) throws -> any LedgerSource {
        if job.ledger.hasPrefix("postgres://") || job.ledger.hasPrefix("postgresql://") {
            return try PostgresLedgerSource(url: job.ledger, table: job.ledgerTable)
        }
        var path = job.ledger
        if path.hasPrefix("sqlite://") { path.removeFirst("sqlite://".count) } else if path.hasPrefix("sqlite:") { path.removeFirst("sqlite:".count) }
        guard !path.isEmpty else { throw ParsingFailure("ledger '\(job.ledger)' names no file") }
        return try SQLiteLedgerSource(path: path, table: job.ledgerTable)
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

    /// Runs the job and returns its exit status (0 or 1); failures throw. The metrics file and
    /// the dead-man's switch hear about every outcome, failures included.
    func execute(_ job: ResolvedJob, range: RangeOptions, command: String, commandLine: [String],
                 transport: any HTTPTransport = CurlTransport(), quiet: Bool = false,
                 start: ReconcileOptions.Start = .fresh) throws -> Int32 {
        let logger = logger(job)
        let started = Date()
        let deadman = job.deadmanURL.map { DeadMansSwitch(url: $0, transport: transport, logger: logger) }
        deadman?.ping(.start, message: "saba-recon \(command) starting")
        let showProgress = !quiet && (job.progress == .always || (job.progress == .auto && !job.logJSON && TerminalLine.standardError.isTerminal))
        let progress = showProgress ? ProgressLine(terminal: .standardError) : nil
        let result: JobResult
        do {
            result = try runJob(job, range: range, command: command, commandLine: commandLine, transport: transport,
                                start: start, logger: logger, progress: progress)
        } catch {
            progress?.finish()
            var metrics = (error as? JobError)?.metrics ?? RunMetrics(command: command, startedAt: started)
            metrics.exitStatus = 2
            if metrics.finishedAt == nil { metrics.finishedAt = Date() }
            writeMetrics(metrics, job: job, logger: logger)
            deadman?.ping(.fail, message: "saba-recon \(command) failed: \(error)")
            throw error
        }
        progress?.finish()
        if let keepRuns = job.keepRuns {
            do {
                let removed = try RunRetention.prune(root: URL(fileURLWithPath: job.out), keep: keepRuns, current: result.runId)
                if !removed.isEmpty { logger.notice("keep_runs \(keepRuns): removed \(removed.joined(separator: ", "))") }
            } catch {
                logger.error("keep_runs \(keepRuns): \(error)")
            }
        }
        writeMetrics(result.metrics, job: job, logger: logger)
        let r = result.reconciliation
        let outcome = r.rows.isEmpty ? "reconciled, no discrepancies" : "\(r.rows.count) discrepanc\(r.rows.count == 1 ? "y" : "ies")"
        deadman?.ping(.success, message: "saba-recon \(command) \(result.runId): \(result.ticketsStaged) tickets, \(outcome) (exit \(result.exitStatus))")
        if !quiet {
            print("run \(result.runId): \(result.ticketsStaged) tickets, \(r.groupsJudged) judged, \(r.pending.count) pending: \(outcome)")
            print("reports: \(result.folder.path)/discrepancies.csv")
        }
        return result.exitStatus
    }

    private func writeMetrics(_ metrics: RunMetrics, job: ResolvedJob, logger: Logger) {
        guard let path = job.metricsFile else { return }
        do {
            try MetricsTextfile.write(metrics, to: path)
        } catch {
            // The reports stand; a stale metrics file shows up as a missed success.
            logger.error("metrics: \(error)")
        }
    }

    private func runJob(_ job: ResolvedJob, range: RangeOptions, command: String, commandLine: [String],
                        transport: any HTTPTransport, start: ReconcileOptions.Start, logger: Logger,
                        progress: ProgressLine?) throws -> JobResult {
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
        var secrets: [String] = []
        if case .rediff = start {
            client = nil
        } else {
            guard let url = job.apiURL else { throw ParsingFailure("no Saba API URL: give --api-url, SABA_API_URL or api_url in the config file") }
            let tokens = try tokenSource(job, transport: transport, logger: logger)
            if case .login(let vendor, _, _) = job.token { secrets.append(vendor) }
            client = SabaClient(
                config: SabaClientConfig(apiURL: url, apiVersion: job.apiVersion, forwardedFor: job.forwardedFor,
                                         timeOffset: job.apiUtcOffset, maxAttempts: job.maxAttempts),
                transport: transport, tokens: tokens, clock: SystemWallClock(), logger: logger)
        }
        let ledgerSource = try ledgerSource(job)
        var options = ReconcileOptions(
            plan: plan, now: now, grace: job.grace, tolerance: job.tolerance, edgeMargin: margin,
            outRoot: URL(fileURLWithPath: job.out), byteOrderMark: job.csvBom, currencies: job.settings.currencies,
            commandLine: CommandLineRedactor.redact(commandLine, secrets: secrets), toolVersion: SabaRecon.version)
        options.start = start
        options.command = command
        options.refundPaths = job.refunds
        options.betStopWindow = job.betStopWindow
        if let marketGroups = job.marketGroups { options.marketGroups = try Self.readMarketGroups(marketGroups) }
        if let progress { options.progress = { progress.update($0) } }
        return try ReconcileJob(options: options, client: client, ledger: ledgerSource, clock: SystemWallClock(), logger: logger).run()
    }
}
