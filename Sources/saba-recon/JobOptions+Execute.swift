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
                 extraFlags: [String: SettingValue] = [:], transport: any HTTPTransport = CurlTransport()) throws -> ResolvedJob {
        // A config file that cannot be read names no metrics file or monitor: nothing to tell.
        let settings = try settings(environment: environment, extraFlags: extraFlags)
        do {
            return try ResolvedJob(settings, environment: environment, needsProvider: needsProvider)
        } catch {
            if !check, command != "config" {
                let logger = Logger(label: "saba-recon")
                let deadman = (try? settings.url(.deadmanURL, allowHTTP: true)).map { DeadMansSwitch(url: $0, transport: transport, logger: logger) }
                Self.reportFailure(error, metrics: RunMetrics(command: command, startedAt: Date()), metricsFile: settings.text(.metricsFile),
                                   deadman: deadman, logger: logger)
            }
            throw error
        }
    }

    /// A failed run, in the metrics file and at the dead-man's switch.
    static func reportFailure(_ error: any Error, metrics: RunMetrics, metricsFile: String?, deadman: DeadMansSwitch?, logger: Logger) {
        var failed = metrics
        failed.exitStatus = 2
        if failed.finishedAt == nil { failed.finishedAt = Date() }
        writeMetrics(failed, to: metricsFile, logger: logger)
        deadman?.ping(.fail, message: "saba-recon \(metrics.command) failed: \(error)")
    }

    static func writeMetrics(_ metrics: RunMetrics, to path: String?, logger: Logger) {
        guard let path else { return }
        do {
            try MetricsTextfile.write(metrics, to: path)
        } catch {
            // The reports stand; a stale metrics file shows up as a missed success.
            logger.error("metrics: \(error)")
        }
    }

    /// The Saba client of these settings, and the secrets its command line must not show.
    func makeClient(_ job: ResolvedJob, transport: any HTTPTransport, logger: Logger) throws -> (SabaClient, [String]) {
        guard let url = job.apiURL else { throw ParsingFailure("no Saba API URL: give --api-url, SABA_API_URL or api_url in the config file") }
        let tokens = try tokenSource(job, transport: transport, logger: logger)
        var secrets: [String] = []
        if case .login(let vendor, _, _) = job.token { secrets.append(vendor) }
        let client = SabaClient(
            config: SabaClientConfig(apiURL: url, apiVersion: job.apiVersion, forwardedFor: job.forwardedFor,
                                     timeOffset: job.apiUtcOffset, maxAttempts: job.maxAttempts,
                                     totalTimeout: job.fetchTimeout, maxBytes: job.fetchMaxBytes),
            transport: transport, tokens: tokens, clock: SystemWallClock(), logger: logger)
        return (client, secrets)
    }

    /// `--check`: the effective settings and what the run would do, then exit 0.
    func printCheck(_ job: ResolvedJob, start: JobStart?, note: String? = nil) {
        for line in job.describe() { print(line) }
        if case .fresh(let plan, _)? = start {
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

    /// Runs the job and returns its exit status (0 or 1); failures throw. The metrics file and
    /// the dead-man's switch hear about every outcome, failures included.
    func execute(_ job: ResolvedJob, start: JobStart, command: String, commandLine: [String],
                 transport: any HTTPTransport = CurlTransport(), quiet: Bool = false, lines: ((String) -> Void)? = nil,
                 sharedRun: Manifest.SharedRun? = nil) throws -> Int32 {
        let logger = logger(job)
        let started = Date()
        let deadman = job.deadmanURL.map { DeadMansSwitch(url: $0, transport: transport, logger: logger) }
        deadman?.ping(.start, message: "saba-recon \(command) starting")
        let showProgress = !quiet && (job.progress == .always || (job.progress == .auto && !job.logJSON && TerminalLine.standardError.isTerminal))
        let progress = showProgress ? ProgressLine(terminal: .standardError) : nil
        let result: JobResult
        do {
            result = try runJob(job, start: start, command: command, commandLine: commandLine, transport: transport,
                                logger: logger, progress: progress, sharedRun: sharedRun)
        } catch {
            progress?.finish()
            Self.reportFailure(error, metrics: (error as? JobError)?.metrics ?? RunMetrics(command: command, startedAt: started),
                               metricsFile: job.metricsFile, deadman: deadman, logger: logger)
            throw error
        }
        progress?.finish()
        if let keepRuns = job.keepRuns {
            do {
                let removed = try RunFolder.open(result.runId, in: URL(fileURLWithPath: job.out)).prune(keep: keepRuns)
                if !removed.isEmpty { logger.notice("keep_runs \(keepRuns): removed \(removed.joined(separator: ", "))") }
            } catch {
                logger.error("keep_runs \(keepRuns): \(error)")
            }
        }
        Self.writeMetrics(result.metrics, to: job.metricsFile, logger: logger)
        let r = result.reconciliation
        let outcome = r.rows.isEmpty ? "reconciled, no discrepancies" : "\(r.rows.count) discrepanc\(r.rows.count == 1 ? "y" : "ies")"
        deadman?.ping(.success, message: "saba-recon \(command) \(result.runId): \(result.ticketsStaged) tickets, \(outcome) (exit \(result.exitStatus))")
        let summary = ["run \(result.runId): \(result.ticketsStaged) tickets, \(r.groupsJudged) judged, \(r.pending.count) pending: \(outcome)",
                       "reports: \(result.folder.path)/discrepancies.csv"]
        if let lines {
            summary.forEach(lines)
        } else if !quiet {
            summary.forEach { print($0) }
        }
        return result.exitStatus
    }

    private func runJob(_ job: ResolvedJob, start: JobStart, command: String, commandLine: [String],
                        transport: any HTTPTransport, logger: Logger, progress: ProgressLine?, sharedRun: Manifest.SharedRun?) throws -> JobResult {
        var client: SabaClient?
        var secrets: [String] = []
        if start.fetches {
            (client, secrets) = try makeClient(job, transport: transport, logger: logger)
        }
        let ledgerSource = try job.ledger.open(table: job.ledgerTable, statementTimeout: job.ledgerStatementTimeout)
        // One connection for the whole run (a PostgreSQL ledger), closed however the run ends.
        defer { ledgerSource.close() }
        var options = ReconcileOptions(
            grace: job.grace, tolerances: job.tolerances,
            outRoot: URL(fileURLWithPath: job.out), byteOrderMark: job.csvBom, currencies: job.settings.currencies,
            commandLine: CommandLineRedactor.redact(commandLine, secrets: secrets), toolVersion: SabaRecon.version)
        options.command = command
        options.sharedRun = sharedRun
        options.workbook = job.xlsx
        options.html = job.html
        options.refundPaths = job.refunds
        options.stakeBasis = job.stakeBasis
        options.accountingOffset = job.accountingOffset
        options.refundMaxBytes = job.refundMaxBytes
        options.refundMaxMalformed = job.refundMaxMalformed
        options.refundMaxLines = job.refundMaxLines
        options.betStopWindow = job.betStopWindow
        options.marketGroups = job.marketGroups
        if let progress { options.progress = { progress.update($0) } }
        return try ReconcileJob(options: options, start: start, client: client, ledger: ledgerSource, clock: SystemWallClock(), logger: logger).run()
    }
}
