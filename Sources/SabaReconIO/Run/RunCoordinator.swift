import Foundation
import Logging
import SabaReconCore

/// The owner of a run's lifecycle, for one process and for many: which runs it starts or
/// joins, the report root's lock, `nightly`'s resume-or-fresh, the observers (metrics file,
/// dead-man's switch, progress), pruning, publishing, and waiting on a shared run. The CLI
/// builds one `RunRequest` and calls `run`; the stages themselves are `ReconcileJob`'s.
///
///     run (fresh)      ReconcileJob(.fresh)                              no lock
///     run --resume     lock root -> ReconcileJob(.resume)
///     nightly          lock root -> resume its own killed run, or fresh
///     rediff           ReconcileJob(.rediff)                             no lock
///     --store, worker  SharedRunWorker: claim/fetch calls; the publisher locks the root
///                      and finishes the run through ReconcileJob(.resume)
public struct RunCoordinator: Sendable {
    public var settings: JobSettings
    public var transport: any HTTPTransport
    /// Real time: run ids, lock stamps, metrics, the history limit (a run's `now` may be fixed).
    public var clock: any WallClock
    public var logger: Logger
    public var progress: (any ProgressDisplay)?
    /// Where the lines an invocation prints go (stdout for the CLI).
    public var say: @Sendable (String) -> Void
    public var toolVersion: String
    /// How often a process waiting on a shared run (or for one to appear) looks again.
    public var poll: TimeInterval = 0.5

    public init(settings: JobSettings, transport: any HTTPTransport, clock: any WallClock, logger: Logger,
                progress: (any ProgressDisplay)? = nil, toolVersion: String, say: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.progress = progress
        self.toolVersion = toolVersion
        self.say = say
    }

    /// What an invocation ended with.
    struct Finished {
        var exitStatus: Int32
        /// Nil: nothing to tell the metrics file and the monitor (a worker that published no run).
        var metrics: RunMetrics?
        /// Printed (the run's summary, where its reports are).
        var lines: [String]
        /// The dead-man's switch's success message.
        var message: String
    }

    var outRoot: URL { URL(fileURLWithPath: settings.out) }

    /// Runs the request and returns its exit status (0 or 1); failures throw. The metrics
    /// file and the dead-man's switch hear about every run's ending, failures included. Two
    /// things are not a night's ending and tell them nothing: a second nightly (or resume)
    /// refused because the root's lock is held (the holder's night is still going), and a
    /// `worker` that found no run to publish.
    public func run(_ request: RunRequest) throws -> Int32 {
        let observers = RunObservers(settings, transport: transport, clock: clock, logger: logger)
        // The lock before the start ping: an overlapping cron fire must not page for a night that is fine.
        let lock = try lockFirst(request)
        defer { withExtendedLifetime(lock) {} }
        let started = clock.now()
        // A worker pings nothing at start: it reports only a run it published (below).
        if request.workerWait == nil { observers.started(request.command) }
        let finished: Finished
        do {
            finished = try perform(request, started: started)
        } catch {
            progress?.finish()
            observers.failed(error, metrics: (error as? JobError)?.metrics ?? RunMetrics(command: request.command, startedAt: started))
            throw error
        }
        progress?.finish()
        if let metrics = finished.metrics { observers.finished(metrics, message: finished.message) }
        finished.lines.forEach(say)
        return finished.exitStatus
    }

    /// The root's lock for `nightly` and `run --resume` (one at a time per report root), and
    /// with the break book for every run that publishes; shared runs take it only while publishing.
    func lockFirst(_ request: RunRequest) throws -> RunLock? {
        guard settings.store == nil || request.rediffId != nil else { return nil }
        switch request.kind {
        case .run(.resume(let id)): return try lockRoot(holder: "saba-recon run --resume \(id)")
        case .nightly: return try lockRoot(holder: "saba-recon nightly")
        // The break book has one writer at a time: with it, every run that publishes holds the root.
        case .run(.fresh): return settings.breakBook == .off ? nil : try lockRoot(holder: "saba-recon run")
        // A rediff takes the old run's break book, whatever this process's says: always held.
        case .rediff(let id), .run(.rediff(let id)): return try lockRoot(holder: "saba-recon rediff \(id)")
        case .worker: return nil
        }
    }

    func perform(_ request: RunRequest, started: Date) throws -> Finished {
        // A rediff works on a run folder: it never needs the store.
        if let store = settings.store, request.rediffId == nil {
            return try shared(request, storeURL: store, started: started)
        }
        switch request.kind {
        case .run(let start):
            return try reconcile(start, request: request)
        case .nightly(let plan, let now):
            return try reconcile(nightlyStart(plan: plan, now: now), request: request)
        case .rediff(let id):
            return try reconcile(.rediff(runId: id), request: request)
        case .worker:
            throw SettingError(key: SettingKey.store.name, source: nil, message: "worker needs --store postgres://... (or store: in the config file, or SABA_RECON_STORE)")
        }
    }

    /// The report root's exclusive lock (`OUT/.saba-recon.lock`).
    func lockRoot(holder: String) throws -> RunLock {
        try RunFolder.lock(outRoot, holder: holder, now: clock.now())
    }

    /// `nightly`: a nightly of the same days that was killed is resumed, not started again,
    /// unless its windows no longer pass the checks (a day later its first window may be
    /// past Saba's history). Called with the root's lock held.
    public func nightlyStart(plan: WindowPlan, now: Date) -> JobStart {
        if let unfinished = RunFolder.unfinished(in: outRoot, range: plan.range), !RunStore.isLegacy(folder: unfinished.url),
           let record = try? unfinished.record(), (try? WindowPlanner().check(record.plan, realNow: clock.now())) != nil {
            return .resume(runId: unfinished.runId)
        }
        return .fresh(plan, now: now)
    }

    /// One run through `ReconcileJob`, then `keep_runs`. `sharedRun`: this process
    /// publishes a run the store's workers fetched.
    /// `store`: the run store a shared run's publisher works with (its break book may be there).
    func reconcile(_ start: JobStart, request: RunRequest, sharedRun: Manifest.SharedRun? = nil, copyTickets: (@Sendable (RunStore) throws -> Void)? = nil,
                   client shared: SabaClient? = nil,
                   store: SharedRunStore? = nil, runAhead: RunAhead? = nil) throws -> Finished {
        var client = shared
        var secrets: [String] = []
        if start.fetches, client == nil {
            (client, secrets) = try settings.makeClient(transport: transport, clock: clock, logger: logger)
        }
        let ledgerSource = try settings.openLedger()
        // One connection for the whole run (a PostgreSQL ledger), closed however the run ends.
        defer { ledgerSource.close() }
        var options = ReconcileOptions(judging: settings.judging, outRoot: outRoot, currencies: settings.settings.currencies,
                                       commandLine: CommandLineRedactor.redact(request.commandLine, secrets: secrets), toolVersion: toolVersion,
                                       refundMaxBytes: settings.refundMaxBytes, refundMaxMalformed: settings.refundMaxMalformed, refundMaxLines: settings.refundMaxLines)
        options.judgingOverrides = settings.judgingFlags
        options.command = request.command
        options.sharedRun = sharedRun
        options.copyTickets = copyTickets
        options.runAhead = runAhead
        options.marketGroups = settings.marketGroups
        options.fetchConcurrency = settings.fetchConcurrency
        // A break book in the store, for a run made with --store that this process finishes
        // without one (a rediff): the store of its settings, opened only if the book is there.
        let own = settings.store.map { url in LazyRunStore { [self] in try openStore(url) } }
        defer { own?.close() }
        options.runStore = { try store ?? own?.get() }
        if let progress { options.progress = { progress.update($0) } }
        let result = try ReconcileJob(options: options, start: start, client: client, ledger: ledgerSource, clock: clock, logger: logger).run()
        prune(after: result.runId)
        let r = result.reconciliation
        let outcome = r.rows.isEmpty ? "reconciled, no discrepancies" : "\(r.rows.count) discrepanc\(r.rows.count == 1 ? "y" : "ies")"
        return Finished(
            exitStatus: result.exitStatus, metrics: result.metrics,
            lines: ["run \(result.runId): \(result.ticketsStaged) tickets, \(r.groupsJudged) judged, \(r.pending.count) pending: \(outcome)",
                    "reports: \(result.folder.path)/discrepancies.csv"],
            message: "saba-recon \(request.command) \(result.runId): \(result.ticketsStaged) tickets, \(outcome) (exit \(result.exitStatus))")
    }

    /// `keep_runs`: a failure to prune is logged; the run's reports stand.
    func prune(after runId: String) {
        guard let keep = settings.keepRuns else { return }
        do {
            let removed = try RunFolder.open(runId, in: outRoot).prune(keep: keep)
            if !removed.isEmpty { logger.notice("keep_runs \(keep): removed \(removed.joined(separator: ", "))") }
        } catch {
            logger.error("keep_runs \(keep): \(error)")
        }
    }
}

extension RunRequest {
    var rediffId: String? {
        if case .rediff(let id) = kind { return id }
        return nil
    }

    var workerWait: TimeInterval? {
        if case .worker(let wait) = kind { return wait }
        return nil
    }
}

extension JobStart {
    var isResume: Bool {
        if case .resume = self { return true }
        return false
    }

    var runId: String? {
        switch self {
        case .fresh: nil
        case .resume(let id), .rediff(let id): id
        }
    }
}
