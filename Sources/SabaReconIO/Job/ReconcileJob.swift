import Foundation
import Logging
import SabaReconCore

public struct JobResult: Sendable {
    public var runId: String
    public var folder: URL
    public var reconciliation: Reconciliation
    public var ticketsStaged: Int
    public var metrics: RunMetrics
    /// 0 reconciled, 1 discrepancies (with the break book: as `--fail-on` says).
    public var exitStatus: Int32
}

/// plan -> fetch -> stage -> match -> report, for one run: a short composition of the
/// stages, each in its own file (FetchStage, LedgerStage, MatchStage, ReportPublisher),
/// with the run's folder (RunFolder) owning everything on disk.
public struct ReconcileJob: Sendable {
    public var options: ReconcileOptions
    public var start: JobStart
    /// nil for a re-diff, which never calls the provider.
    public var client: SabaClient?
    public var ledger: any LedgerSource
    /// Real time, for the run id and start/finish stamps (the run's `now` may be fixed).
    public var clock: any WallClock
    public var logger: Logger

    public init(options: ReconcileOptions, start: JobStart, client: SabaClient?, ledger: any LedgerSource, clock: any WallClock,
                logger: Logger = Logger(label: "saba-recon.run")) {
        self.options = options
        self.start = start
        self.client = client
        self.ledger = ledger
        self.clock = clock
        self.logger = logger
    }

    /// The run folder and what it was asked to do, once opened.
    struct OpenedRun {
        var folder: RunFolder
        /// Held while the job writes the folder (`RunFolder.lockForWriting`).
        var lock: RunLock
        var record: RunRecord
        var basedOn: String?
        /// The settings this run judges with: its recorded ones.
        var judging: RunJudging
        /// Where this process's own settings differ from them (stderr and the manifest).
        var differences: [String] = []
    }

    /// The recorded settings, and where this process's differ. A record without them (a
    /// run.json from before they were recorded) takes this process's.
    func judging(recorded: RunJudging?, runId: String) -> (RunJudging, [String]) {
        guard let recorded else { return (options.judging, []) }
        let differences = recorded.differences(from: options.judging)
        for line in differences {
            logger.warning("run \(runId) judges with the settings it was created with; \(line) (ignored)")
        }
        return (recorded, differences)
    }

    public func run() throws -> JobResult {
        let started = clock.now()
        let opened = try open(started: started)
        // The folder's lock is held to the end of the run.
        return try withExtendedLifetime(opened.lock) { try run(opened, started: started) }
    }

    /// A new folder, the killed run's own, or a new one seeded with a finished run's tickets.
    /// Everything that can be checked before the first provider call is checked here.
    func open(started: Date) throws -> OpenedRun {
        switch start {
        case .fresh(let plan, let now):
            try validateInputs(plan: plan)
            let folder = try RunFolder.create(in: options.outRoot, started: started)
            // Before run.json: a folder without it is never taken for a killed run.
            let lock = try folder.lockForWriting(now: clock.now())
            let record = RunRecord(runId: folder.runId, plan: plan, now: now, judging: options.judging)
            try folder.writeRecord(record)
            return OpenedRun(folder: folder, lock: lock, record: record, judging: options.judging)
        case .resume(let id):
            let folder = try RunFolder.open(id, in: options.outRoot)
            let lock = try folder.lockForWriting(now: clock.now())
            var record = try folder.record()
            guard !record.finished else {
                throw JobError("run \(id) already finished; use rediff \(id) to match it again")
            }
            // run.json is a file on disk, not a promise: its windows are checked before any call
            // (the history limit only for the calls still to make: those fetched are staged).
            let done = try folder.store().committedCalls()
            do {
                try WindowPlanner().check(record.plan, realNow: clock.now()) { w in
                    // A shared run's calls are all fetched (in the store); this folder marks
                    // them done only once their tickets are copied in.
                    options.publishesSharedRun || FetchCall.Kind.allCases.allSatisfy { done.contains(FetchCall(window: w, kind: $0)) }
                }
            } catch {
                throw JobError("run \(id): \(folder.url.path)/run.json: \(error); refusing to resume it")
            }
            try validateInputs(plan: record.plan)
            if record.judging == nil {
                // A run.json from before the settings were recorded: this resume fixes them,
                // so a later resume or rediff judges as this one does.
                record.judging = options.judging
                try folder.writeRecord(record)
            }
            let (judging, differences) = judging(recorded: record.judging, runId: id)
            return OpenedRun(folder: folder, lock: lock, record: record, basedOn: options.sharedRun == nil ? "resumed" : nil, judging: judging, differences: differences)
        case .rediff(let id):
            let old = try RunFolder.open(id, in: options.outRoot)
            let oldRecord = try old.record()
            guard oldRecord.finished, old.hasTickets else {
                // An unfinished run lacks windows: re-matching it would report tickets as missing.
                throw JobError("run \(id) did not finish; resume it with run --resume \(id) first")
            }
            try ledger.validate()
            let folder = try RunFolder.create(in: options.outRoot, started: started)
            let lock = try folder.lockForWriting(now: clock.now())
            try folder.copyTickets(from: old)
            // A rediff judges as the old run did, except for what its own flags change on
            // purpose (a new grace or tolerance after a fix); other differences are said.
            let judging = (oldRecord.judging ?? options.judging).overriding(options.judgingOverrides, with: options.judging)
            let differences = judging.differences(from: options.judging)
            for line in differences { logger.warning("rediff of \(id) judges with that run's settings; \(line) (ignored; give it as a flag to change it)") }
            let record = RunRecord(runId: folder.runId, plan: oldRecord.plan, now: oldRecord.nowDate, judging: judging)
            try folder.writeRecord(record)
            return OpenedRun(folder: folder, lock: lock, record: record, basedOn: "rediff of \(old.runId)", judging: judging, differences: differences)
        }
    }

    /// Fails on a bad ledger or token before the first provider call.
    func validateInputs(plan: WindowPlan) throws {
        if plan.clamped { logger.warning("range clamped to start at \(UTCTime.iso(plan.range.start)) (180-day limit)") }
        try ledger.validate()
        if let client { _ = try client.tokens.token(now: client.clock.now()) }
    }

    func run(_ opened: OpenedRun, started: Date) throws -> JobResult {
        let judging = opened.judging
        let folder = opened.folder
        let plan = opened.record.plan
        let now = opened.record.nowDate
        // Refund files are read before any provider call: an unreadable file fails fast.
        var book = RefundBook(maxMalformed: options.refundMaxMalformed)
        let refundDigests = try RefundFileReader(maxBytes: options.refundMaxBytes, maxLines: options.refundMaxLines).read(judging.refundPaths, into: &book)
        var manifest = Manifest(
            run_id: folder.runId, tool: "saba-recon", tool_version: options.toolVersion, command_line: options.commandLine,
            now: UTCTime.iso(now), range_start: UTCTime.iso(plan.range.start), range_end: UTCTime.iso(plan.range.end),
            range_clamped: plan.clamped, api_url: client.map { CommandLineRedactor.redactURLPassword($0.config.apiURL) } ?? "",
            api_version: client?.config.apiVersion ?? "", windows: [], inputs: [], tolerance: judging.tolerances.description,
            grace_seconds: judging.grace, edge_margin_seconds: plan.edgeMargin, tickets_staged: 0, discrepancies: 0,
            discrepancies_by_kind: [:], pending: 0, reports: [:], started_at: UTCTime.iso(started), finished_at: "",
            outcome: .failed, exit_status: 2, error: nil, based_on: opened.basedOn)
        manifest.shared_run = options.sharedRun
        manifest.tolerances = judging.tolerances.inForce
        if !opened.differences.isEmpty { manifest.setting_differences = opened.differences }
        let currencies = judging.currencies ?? options.currencies
        manifest.currency_decimals = Dictionary(uniqueKeysWithValues: Set(currencies.entries.values.map(\.code)).map { ($0, currencies.decimals(of: $0)) })
        manifest.stake_basis = judging.stakeBasis.rawValue
        manifest.inputs = refundDigests.map { Manifest.Input(name: "refunds", description: $0.path, records: $0.lines, sha256: $0.sha256) }
        var metrics = RunMetrics(command: options.command, startedAt: started)
        var store: RunStore?
        var nothingJudged: String?
        // Where the run is, for the error's stage.
        var stage = RunStage.ledger
        do {
            // The ledger as it is now (a resumed or re-matched run reads it afresh), read on
            // the other core while the windows are fetched; or, publishing a shared run this
            // process opened, the ledger it read while the calls were fetched.
            let reads = LedgerRead.forRun(plan: plan, book: book, lookback: options.refundLookback)
            let ahead = options.runAhead?.take(runId: folder.runId, reads: reads, indexForRefunds: !book.isEmpty)
            let runStore = try ahead.map { try folder.store().withLedger(of: $0.store) } ?? folder.store()
            store = runStore
            if ahead != nil { logger.info("ledger: read while the calls were fetched") }
            let ledgerStage = ahead?.stage ?? LedgerStage(store: runStore, source: ledger, reads: reads, indexForRefunds: !book.isEmpty, clock: clock)
            do {
                if let copyTickets = options.copyTickets {
                    // A shared run's publisher fetches nothing: the store's workers fetched every
                    // call, and the copy marks each done in this folder once its tickets are in.
                    metrics.windowsReused += plan.calls.count
                    metrics.stageSeconds[.fetch] = 0
                    stage = .store
                    try copyTickets(runStore)
                    // The store is trusted no further than the report root: a call it did not
                    // hand over fails the run rather than being matched as a call of no tickets.
                    let done = try runStore.committedCalls()
                    let missing = plan.calls.filter { !done.contains($0) }
                    if let first = missing.first {
                        throw JobError("the run store handed over \(plan.calls.count - missing.count) of the run's \(plan.calls.count) calls; \(first) is not among them, so its tickets would read as missing")
                    }
                    try ledgerStage.checkFailed()
                } else if let client {
                    stage = .fetch
                    try FetchStage(client: client, store: runStore, clock: clock, logger: logger, progress: options.progress,
                                   concurrency: options.fetchConcurrency, check: { try ledgerStage.checkFailed() })
                        .run(plan.calls, metrics: &metrics)
                }
            } catch {
                ledgerStage.stop()
                _ = try? ledgerStage.wait()
                throw error
            }
            stage = .ledger
            let (staged, ledgerSeconds) = try ledgerStage.wait()
            metrics.ledgerEntries = staged.entries
            metrics.stageSeconds[.ledger] = ledgerSeconds
            manifest.inputs.insert(Manifest.Input(name: "ledger", description: "\(ledger.displayName) (\(reads.map(\.provider).joined(separator: ", ")))",
                                                  records: staged.entries, sha256: staged.sha256), at: 0)
            logger.info("ledger: \(staged.entries) entries since \(UTCTime.iso(reads[0].since))")

            stage = .match
            var policy = MatchPolicy(plan: plan, now: now, grace: judging.grace, tolerances: judging.tolerances,
                                     currencies: currencies, stakeBasis: judging.stakeBasis)
            policy.accountingOffset = judging.accountingOffset
            let matched = try MatchStage(policy: policy, refunds: RefundMatcher(policy: policy, betStopWindow: judging.betStopWindow, marketGroups: options.marketGroups))
                .run(store: runStore, book: book, metrics: &metrics, clock: clock)
            manifest.inputs.insert(Manifest.Input(name: "tickets", description: "GetBetDetails \(client?.config.apiVersion ?? "(staged)")",
                                                  records: matched.ticketsStaged, sha256: matched.ticketsDigest), at: 1)
            manifest.windows = try Self.manifestWindows(runStore)
            // The run folder keeps the ledger it was matched against, wherever it was read.
            try ahead?.keep(in: folder.url)
            manifest.tickets_staged = matched.ticketsStaged

            stage = .reports
            let reportsStarted = clock.now()
            let result = matched.reconciliation
            // Never green by accident: data was read but nothing was judged (a --now at the
            // start of the range, every ticket inside the grace period, a range with no overlap).
            if result.groupsJudged == 0 && (matched.ticketsStaged > 0 || staged.entries > 0) {
                nothingJudged = "\(matched.ticketsStaged) tickets and \(staged.entries) ledger entries read but none judged (\(result.pending.count) pending inside the grace period of \(DurationText.format(judging.grace)) before \(UTCTime.iso(now))): nothing was reconciled; reports in \(folder.url.path), latest not moved"
            }
            // The break book (SPEC §9): this night's statuses for the reports, applied to the
            // book once the reports are published (a resumed run finds its night applied).
            // The run's recorded book and rule, so every process that may publish it agrees.
            let failOn = judging.failOn ?? options.judging.failOn ?? .unacknowledged
            let location = judging.breakBook ?? options.judging.breakBook ?? .off
            if case .file(let path) = location, options.judging.breakBook != location {
                // A path read back from run.json or the store is trusted no further (SPEC §6):
                // a file is written only where this process's own settings say too.
                throw JobError("run \(folder.runId) keeps its break book at \(path) (recorded with the run), and this process's break_book is \(options.judging.breakBook?.description ?? "unset"): give --break-book \(path) to publish it there", stage: .reports)
            }
            let bookStore = try location.open(out: options.outRoot, store: options.runStore)
            let breaks = try bookStore.map { store in
                try BreakNightStep.prepare(store: store, rows: result.rows, runId: folder.runId, now: now,
                                           coverage: BreakBook.Coverage(range: plan.range, sources: Self.sources(book)))
            }
            let exitStatus: Int32 = result.rows.isEmpty ? 0 : (breaks.map { failOn.fails($0.annotations.map(\.status)) ? 1 : 0 } ?? 1)
            var publisher = ReportPublisher(folder: folder, byteOrderMark: judging.byteOrderMark, workbook: judging.workbook, html: judging.html)
            publisher.breaks = breaks
            try publisher.publish(result, exitStatus: exitStatus, manifest: &manifest, record: opened.record, nothingJudged: nothingJudged,
                                  finishedAt: { clock.now() })
            metrics.stageSeconds[.reports] = clock.now().timeIntervalSince(reportsStarted)
            metrics.pending = result.pending.count
            metrics.judged = result.groupsJudged
            metrics.count(result.rows)
            if let breaks {
                metrics.breaks = breaks.counts
                metrics.oldestOpenBreakDays = breaks.report.oldestOpenAgeDays ?? 0
            }
            metrics.exitStatus = nothingJudged == nil ? exitStatus : 2
            metrics.finishedAt = clock.now()
            if nothingJudged == nil {
                return JobResult(runId: folder.runId, folder: folder.url, reconciliation: result, ticketsStaged: matched.ticketsStaged, metrics: metrics,
                                 exitStatus: exitStatus)
            }
        } catch {
            // The failed run keeps what it did: the windows that finished and why it stopped.
            if let store, let windows = try? Self.manifestWindows(store) { manifest.windows = windows }
            folder.writeFailure(manifest, error: error, finishedAt: clock.now())
            metrics.finishedAt = clock.now()
            throw JobError(String(describing: error), underlying: error, stage: error is LedgerError ? .ledger : stage, runFolder: folder.url.path, metrics: metrics)
        }
        // Only reached when nothing was judged: its manifest is written; the run failed.
        throw JobError(nothingJudged ?? "nothing was judged", runFolder: folder.url.path, metrics: metrics)
    }

    /// The inputs a run read, for the break book's coverage: Saba's tickets always (fetched,
    /// resumed or staged), every refund provider when refund records were read.
    static func sources(_ book: RefundBook) -> Set<String> {
        guard !book.isEmpty else { return ["saba"] }
        return Set(["saba", "ebet", "jdb", "feed", "unknown"] + book.malformed.compactMap(\.provider))
    }

    static func manifestWindows(_ store: RunStore) throws -> [Manifest.Window] {
        try store.windowRecords().map {
            Manifest.Window(start: $0.start, end: $0.end, is_edge: $0.isEdge, is_settled: $0.settled, tickets: $0.tickets,
                            bytes: $0.bytes, attempts: $0.attempts, seconds: $0.seconds)
        }
    }
}
