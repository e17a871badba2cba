import Foundation
import Logging
import SabaReconCore

/// Everything one reconciliation run needs besides its edges.
public struct ReconcileOptions: Sendable {
    /// The windows to fetch and the range judged (planned up front so bad ranges fail first).
    public var plan: WindowPlan
    /// The run's "now": the 180-day limit and the grace period are measured from it.
    public var now: Date
    public var grace: TimeInterval
    public var tolerance: Decimal
    public var outRoot: URL
    public var byteOrderMark: Bool
    public var currencies: CurrencyTable
    /// Already redacted.
    public var commandLine: [String]
    public var toolVersion: String
    /// Refund-record files or folders (SPEC 1.4); empty = no refund checks.
    public var refundPaths: [String] = []
    /// How long after a `bet_stop` an accepted feed bet is reported.
    public var betStopWindow: TimeInterval = 60
    /// Market id -> group, for `bet_stop` messages that name groups.
    public var marketGroups: [String: String] = [:]
    /// How far before a refund record its original movements are looked for.
    public var refundLookback: TimeInterval = 86_400
    /// A new run, the continuation of a killed one, or a re-match of a finished one.
    public var start: Start = .fresh
    /// Names the run in metrics (`run`, `nightly`, `rediff`).
    public var command = "run"
    /// Called as the fetch goes (a terminal's progress line); nil under cron.
    public var progress: (@Sendable (JobProgress) -> Void)?

    public enum Start: Sendable, Equatable {
        case fresh
        /// Continue this run in its own folder: finished windows are not fetched again.
        case resume(runId: String)
        /// Match this run's staged tickets against the ledger as it is now, into a new run; no provider calls.
        case rediff(runId: String)
    }

    public init(plan: WindowPlan, now: Date, grace: TimeInterval = 900, tolerance: Decimal = 0,
                outRoot: URL, byteOrderMark: Bool = false, currencies: CurrencyTable = .builtIn,
                commandLine: [String] = [], toolVersion: String) {
        self.plan = plan
        self.now = now
        self.grace = grace
        self.tolerance = tolerance
        self.outRoot = outRoot
        self.byteOrderMark = byteOrderMark
        self.currencies = currencies
        self.commandLine = commandLine
        self.toolVersion = toolVersion
    }
}

public struct JobResult: Sendable {
    public var runId: String
    public var folder: URL
    public var reconciliation: Reconciliation
    public var ticketsStaged: Int
    public var metrics: RunMetrics
    public var exitStatus: Int32 { reconciliation.exitStatus }
}

/// A run that failed after its folder existed: the folder keeps the evidence.
public struct JobError: Error, Sendable, CustomStringConvertible {
    public var underlying: String
    public var runFolder: String?
    /// What the run got through before it failed (nil if it failed before starting).
    public var metrics: RunMetrics?
    public var description: String { underlying }

    public init(underlying: String, runFolder: String? = nil, metrics: RunMetrics? = nil) {
        self.underlying = underlying
        self.runFolder = runFolder
        self.metrics = metrics
    }
}

/// plan -> fetch -> stage -> match -> report, for one run.
public struct ReconcileJob: Sendable {
    public var options: ReconcileOptions
    /// nil for a re-diff, which never calls the provider.
    public var client: SabaClient?
    public var ledger: any LedgerSource
    /// Real time, for the run id and start/finish stamps (the run's `now` may be fixed).
    public var clock: any WallClock
    public var logger: Logger

    public init(options: ReconcileOptions, client: SabaClient?, ledger: any LedgerSource, clock: any WallClock,
                logger: Logger = Logger(label: "saba-recon.run")) {
        self.options = options
        self.client = client
        self.ledger = ledger
        self.clock = clock
        self.logger = logger
    }

    public func run() throws -> JobResult {
        let started = clock.now()
        var plan = options.plan
        var now = options.now
        var basedOn: String?
        // The run folder: new, or the killed run's own, or a new one seeded with an old run's tickets.
        let runId: String
        let folder: URL
        switch options.start {
        case .fresh:
            try validateInputs(plan: plan)
            try FileManager.default.createDirectory(at: options.outRoot, withIntermediateDirectories: true)
            (runId, folder) = try makeRunFolder(started: started)
            try RunRecord(runId: runId, plan: plan, now: now).write(to: folder)
        case .resume(let id):
            folder = try existingRun(id)
            let record = try RunRecord.read(from: folder)
            guard !FileManager.default.fileExists(atPath: folder.appendingPathComponent("manifest.json").path) || record.finished == false else {
                throw JobError(underlying: "run \(id) already finished; use rediff \(id) to match it again")
            }
            (plan, now, runId, basedOn) = (record.plan, record.nowDate, id, "resumed")
            try validateInputs(plan: plan)
        case .rediff(let id):
            let old = try existingRun(id)
            let record = try RunRecord.read(from: old)
            guard record.finished, FileManager.default.fileExists(atPath: old.appendingPathComponent("run.sqlite").path) else {
                // An unfinished run lacks windows: re-matching it would report tickets as missing.
                throw JobError(underlying: "run \(id) did not finish; resume it with run --resume \(id) first")
            }
            (plan, now, basedOn) = (record.plan, record.nowDate, "rediff of \(id)")
            try ledger.validate()
            let made = try makeRunFolder(started: started)
            (runId, folder) = made
            try FileManager.default.copyItem(at: old.appendingPathComponent("run.sqlite"), to: folder.appendingPathComponent("run.sqlite"))
            try RunRecord(runId: runId, plan: plan, now: now).write(to: folder)
        }
        return try run(runId: runId, folder: folder, plan: plan, now: now, started: started, basedOn: basedOn)
    }

    /// Fails on a bad ledger or token before the first provider call.
    func validateInputs(plan: WindowPlan) throws {
        if plan.clamped { logger.warning("range clamped to start at \(UTCTime.iso(plan.range.start)) (180-day limit)") }
        try ledger.validate()
        if let client { _ = try client.tokens.token(now: client.clock.now()) }
    }

    func existingRun(_ id: String) throws -> URL {
        guard !id.isEmpty, !id.contains("/") else { throw JobError(underlying: "'\(id)' is not a run id") }
        var folder = options.outRoot.appendingPathComponent(id)
        if id == "latest", let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder.path) {
            folder = options.outRoot.appendingPathComponent(target)
        }
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("run.json").path) else {
            throw JobError(underlying: "no run \(id) under \(options.outRoot.path) (looked for \(folder.path)/run.json)")
        }
        return folder
    }

    func run(runId: String, folder: URL, plan: WindowPlan, now: Date, started: Date, basedOn: String?) throws -> JobResult {
        // Refund files are read before any provider call: an unreadable file fails fast.
        var book = RefundBook()
        let refundDigests = try RefundFileReader().read(options.refundPaths, into: &book)

        var manifest = Manifest(
            run_id: runId, tool: "saba-recon", tool_version: options.toolVersion, command_line: options.commandLine,
            now: UTCTime.iso(now), range_start: UTCTime.iso(plan.range.start), range_end: UTCTime.iso(plan.range.end),
            range_clamped: plan.clamped, api_url: client.map { CommandLineRedactor.redactURLPassword($0.config.apiURL) } ?? "",
            api_version: client?.config.apiVersion ?? "", windows: [], inputs: [], tolerance: Money.format(options.tolerance),
            grace_seconds: options.grace, edge_margin_seconds: plan.edgeMargin, tickets_staged: 0, discrepancies: 0,
            discrepancies_by_kind: [:], pending: 0, reports: [:], started_at: UTCTime.iso(started), finished_at: "",
            outcome: "failed", exit_status: 2, error: nil, based_on: basedOn)
        manifest.inputs = refundDigests.map { Manifest.Input(name: "refunds", description: $0.path, records: $0.lines, sha256: $0.sha256) }
        let writer = ReportWriter(folder: folder)
        var store: RunStore?
        var metrics = RunMetrics(command: options.command, startedAt: started)
        do {
            let runStore = try RunStore.file(folder.appendingPathComponent("run.sqlite").path)
            store = runStore
            let windows = plan.allWindows
            // Windows whose two calls committed (a resumed run) are not fetched again.
            let done = try runStore.finishedWindows()
            let fetchStart = clock.now()
            var secondsDone = 0.0
            func report(window n: Int, tickets extra: Int = 0) {
                guard let progress = options.progress else { return }
                progress(JobProgress(callsDone: metrics.windowsFetched + metrics.windowsReused, callsFetched: metrics.windowsFetched,
                                     callsTotal: windows.count * 2,
                                     window: n + 1, windows: windows.count, tickets: metrics.ticketsFetched + extra,
                                     elapsed: clock.now().timeIntervalSince(fetchStart), bytesDone: metrics.bytesFetched, secondsDone: secondsDone))
            }
            for (n, window) in windows.enumerated() {
                for settled in [false, true] {
                    guard let client else { continue }
                    if done.contains(FinishedWindow(index: window.index, start: window.start, settled: settled)) {
                        metrics.windowsReused += 1
                        continue
                    }
                    var inCall = 0
                    let stats = try runStore.stageWindow(window, settled: settled) { stage in
                        try client.fetch(window: window, settled: settled, onAttempt: { _ in inCall = 0 }) { ticket in
                            try stage(ticket)
                            inCall += 1
                            if inCall % 5_000 == 0 { report(window: n, tickets: inCall) }
                        }
                    }
                    metrics.windowsFetched += 1
                    metrics.requests += stats.attempts
                    metrics.retries += max(0, stats.attempts - 1)
                    metrics.ticketsFetched += stats.tickets
                    metrics.bytesFetched += stats.bytes
                    secondsDone += stats.seconds
                    report(window: n)
                    logger.info("window \(n + 1)/\(windows.count) \(UTCTime.iso(window.start))..\(UTCTime.iso(window.end)) isSettled=\(settled): \(stats.tickets) tickets, \(stats.bytes) bytes in \(String(format: "%.2f", stats.seconds)) s")
                }
            }
            metrics.stageSeconds[.fetch] = clock.now().timeIntervalSince(fetchStart)
            let since = windows.first?.start ?? plan.range.start
            let providers = book.isEmpty ? ["saba"] : ["saba", "ebet", "jdb", "feed"]
            var staged = 0
            let ledgerStart = clock.now()
            // The ledger as it is now: a resumed or re-matched run reads it afresh.
            try runStore.clearLedger()
            for provider in providers {
                // A refund's original movements (a JDB bet, a feed bet under a cancel window) can
                // predate the range: refund providers are read from before their earliest record.
                let from = provider == "saba" ? since : min(since, book.earliestEvidence(lookback: options.refundLookback) ?? since)
                staged += try runStore.stageLedger(from: ledger, provider: provider, since: from)
            }
            manifest.inputs.insert(Manifest.Input(name: "ledger", description: "\(ledger.displayName) (\(providers.joined(separator: ", ")))",
                                                  records: staged, sha256: try runStore.ledgerDigest()), at: 0)
            logger.info("ledger: \(staged) entries since \(UTCTime.iso(since))")
            metrics.ledgerEntries = staged
            metrics.stageSeconds[.ledger] = clock.now().timeIntervalSince(ledgerStart)
            let matchStart = clock.now()

            let policy = MatchPolicy(plan: plan, now: now, grace: options.grace, tolerance: options.tolerance, currencies: options.currencies)
            let matcher = TicketMatcher(policy: policy)
            var reconciliation = Reconciliation()
            var ticketHasher = SHA256()
            try runStore.forEachGroup { ticket, entries in
                if let t = ticket { ticketHasher.update("\(t.transId)\t\(t.settlementKey)\t\(t.status)\t\(Money.format(t.stake))\n") }
                reconciliation.add(matcher.match(ticket: ticket, entries: entries))
            }
            let ticketsStaged = try runStore.ticketCount()
            manifest.inputs.insert(Manifest.Input(name: "tickets", description: "GetBetDetails \(client?.config.apiVersion ?? "(staged)")",
                                                  records: ticketsStaged, sha256: ticketHasher.hexDigest()), at: 1)
            metrics.stageSeconds[.match] = clock.now().timeIntervalSince(matchStart)
            metrics.ticketsStaged = ticketsStaged
            if !book.isEmpty {
                let refundsStart = clock.now()
                defer { metrics.stageSeconds[.refunds] = clock.now().timeIntervalSince(refundsStart) }
                let refunds = RefundMatcher(policy: policy, betStopWindow: options.betStopWindow, marketGroups: options.marketGroups)
                try RefundJudge(store: runStore, matcher: refunds).judge(book, into: &reconciliation)
            }
            let result = reconciliation.sorted()
            let reportsStart = clock.now()
            let renderer = ReportRenderer(runId: runId, byteOrderMark: options.byteOrderMark)
            manifest.reports["discrepancies.csv"] = try writer.write(Data(renderer.discrepanciesCSV(result).utf8), as: "discrepancies.csv")
            manifest.reports["discrepancies.json"] = try writer.write(renderer.discrepanciesJSON(result), as: "discrepancies.json")
            manifest.reports["summary.csv"] = try writer.write(Data(renderer.summaryCSV(result).utf8), as: "summary.csv")
            manifest.windows = try windowsForManifest(runStore)
            manifest.tickets_staged = ticketsStaged
            manifest.discrepancies = result.rows.count
            manifest.discrepancies_by_kind = Dictionary(uniqueKeysWithValues: result.countsByKind.map { ($0.key.rawValue, $0.value) })
            manifest.pending = result.pending.count
            manifest.exit_status = result.exitStatus
            manifest.outcome = result.rows.isEmpty ? "reconciled" : "discrepancies"
            manifest.finished_at = UTCTime.iso(clock.now())
            try writer.write(ReportRenderer.encode(manifest), as: "manifest.json")
            try RunRecord(runId: runId, plan: plan, now: now, finished: true).write(to: folder)
            try ReportWriter.moveLatest(root: options.outRoot, to: runId)
            metrics.stageSeconds[.reports] = clock.now().timeIntervalSince(reportsStart)
            metrics.pending = result.pending.count
            metrics.count(result.rows)
            metrics.exitStatus = result.exitStatus
            metrics.finishedAt = clock.now()
            return JobResult(runId: runId, folder: folder, reconciliation: result, ticketsStaged: ticketsStaged, metrics: metrics)
        } catch {
            // The failed run keeps what it did: the windows that finished and why it stopped.
            if let store, let windows = try? windowsForManifest(store) { manifest.windows = windows }
            manifest.error = String(describing: error)
            manifest.finished_at = UTCTime.iso(clock.now())
            _ = try? writer.write(ReportRenderer.encode(manifest), as: "manifest.json")
            metrics.finishedAt = clock.now()
            throw JobError(underlying: String(describing: error), runFolder: folder.path, metrics: metrics)
        }
    }

    func windowsForManifest(_ store: RunStore) throws -> [Manifest.Window] {
        try store.windowRecords().map {
            Manifest.Window(start: $0.start, end: $0.end, is_edge: $0.isEdge, is_settled: $0.settled, tickets: $0.tickets,
                            bytes: $0.bytes, attempts: $0.attempts, seconds: $0.seconds)
        }
    }

    /// `YYYYMMDDTHHMMSSZ-xxxx`: sortable by start, unique with a random suffix.
    func makeRunFolder(started: Date) throws -> (String, URL) {
        let stamp = UTCTime.formatLocal(started).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        for _ in 0..<16 {
            let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
            let runId = "\(stamp)Z-\(String(repeating: "0", count: 4 - suffix.count))\(suffix)"
            let folder = options.outRoot.appendingPathComponent(runId)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
                return (runId, folder)
            } catch CocoaError.fileWriteFileExists {
                continue
            }
        }
        throw JobError(underlying: "cannot create a unique run folder under \(options.outRoot.path)")
    }
}
