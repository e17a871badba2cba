import Foundation
import Logging
import SabaReconCore
import Synchronization

/// A run shared by several processes through PostgreSQL (SPEC §7): this process is one
/// worker of it. It fetches calls it claims, and when a run's calls are all done the process
/// that claims its publishing finishes it through the same `ReconcileJob(.resume)` path as a
/// single process, under the report root's lock.
extension RunCoordinator {
    func shared(_ request: RunRequest, storeURL: String, started: Date) throws -> Finished {
        let store = try openStore(storeURL)
        defer { store.close() }
        var (client, secrets) = try settings.makeClient(transport: transport, clock: clock, logger: logger)
        // Calls in flight together in this process obey one pushback, as in a single process.
        if settings.fetchConcurrency > 1 { client.gate = ProviderGate() }
        var redacted = request
        redacted.commandLine = CommandLineRedactor.redact(request.commandLine, secrets: secrets)
        let published = Published()
        // The ledger and the fetched calls of the run this process opens, kept while its calls
        // are fetched, for the case that this process publishes it.
        let ahead = RunAhead(logger: logger)
        defer { ahead.close() }
        var worker = SharedRunWorker(store: store, client: client, outRoot: outRoot, logger: logger) { runId, shared, copyTickets in
            // SharedRunWorker holds the report root's lock while this runs.
            let finished = try reconcile(.resume(runId: runId), request: redacted, sharedRun: shared, copyTickets: copyTickets, client: client, store: store,
                                         runAhead: ahead)
            if let metrics = finished.metrics { published.set(metrics, for: runId) }
            if let keep = settings.keepRuns {
                // The run being published is still open: it is never among the pruned.
                do { try store.prune(keep: keep) } catch { logger.error("keep_runs \(keep) in the store: \(error)") }
            }
            return (finished.exitStatus, finished.lines, finished.metrics?.result)
        }
        worker.clock = clock
        worker.poll = poll
        worker.fetched = { published.add(fetched: $0) }
        worker.ahead = ahead
        // fetch_concurrency: helpers beside this worker, each with its own connections and
        // name (`host:pid:nonce#k` in the calls' fetched_by), claim and fetch calls too; started
        // once there is a run to work on (an idle helper stops when none is open).
        func helped<T>(_ work: () throws -> T) throws -> T {
            let helpers = try startHelpers(settings.fetchConcurrency - 1, storeURL: storeURL, client: client, published: published, ahead: ahead)
            let result = Result { try work() }
            // This worker's own error first; else a helper's (a call that failed its run).
            let helperError = helpers.stop()
            let value = try result.get()
            if let helperError { throw helperError }
            return value
        }
        let metrics = RunMetrics(command: request.command, startedAt: started)
        switch request.kind {
        case .worker(let wait):
            let deadline = clock.now().addingTimeInterval(wait)
            while try store.openRuns().isEmpty && clock.now() < deadline { Thread.sleep(forTimeInterval: poll) }
            try helped { try worker.work(until: { false }) }
            // A worker tells the metrics file and the monitor about the runs it published,
            // with their own exit status; one that published none has nothing to tell (its
            // success ping would mask the failure of the night it helped).
            guard let (runId, last) = published.last else {
                return Finished(exitStatus: 0, metrics: nil, lines: [], message: "")
            }
            return Finished(exitStatus: 0, metrics: last, lines: [],
                            message: "saba-recon worker \(store.worker) published run \(runId) (exit \(last.exitStatus))")
        case .run(.fresh(let plan, let now)), .nightly(let plan, let now):
            let runId = try join(plan: plan, now: now, store: store)
            readAhead(runId, store: store, storeURL: storeURL, into: ahead)
            return try helped { try waitFor(runId, worker: worker, store: store, published: published, metrics: metrics) }
        case .run(.resume(let id)):
            // A failed run is opened again (its done calls stay done); a finished one is not.
            try store.reopen(id)
            readAhead(id, store: store, storeURL: storeURL, into: ahead)
            return try helped { try waitFor(id, worker: worker, store: store, published: published, metrics: metrics) }
        case .run(.rediff), .rediff:
            throw JobError("rediff works on a run folder; run it without --store", stage: .open)
        }
    }

    /// Starts reading the ledger of `runId` as its publisher would (its recorded plan and
    /// refund files), and keeping the calls this process fetches, for the job to take over if
    /// this process publishes it. Best effort: what stops it is logged, and the publisher
    /// reads the ledger and copies the tickets itself (and fails on what fails).
    func readAhead(_ runId: String, store: SharedRunStore, storeURL: String, into ahead: RunAhead) {
        do {
            guard let record = try store.record(of: runId) else { return }
            var book = RefundBook(maxMalformed: settings.refundMaxMalformed)
            _ = try RefundFileReader(maxBytes: settings.refundMaxBytes, maxLines: settings.refundMaxLines).read((record.judging ?? settings.judging).refundPaths, into: &book)
            let reads = LedgerRead.forRun(plan: record.plan, book: book, lookback: ReconcileOptions.defaultRefundLookback)
            let source = try settings.openLedger()
            // A connection of its own copies the other processes' calls meanwhile; without it, the publisher copies them all.
            let follow: SharedRunStore?
            do { follow = try openStore(storeURL, suffix: "#ahead") } catch {
                logger.notice("run \(runId): the calls other processes fetch are copied when the run is published, not ahead: \(error)")
                follow = nil
            }
            // `start` owns both from here, whatever it throws.
            try ahead.start(runId: runId, reads: reads, indexForRefunds: !book.isEmpty, source: source, clock: clock, follow: follow)
        } catch {
            logger.notice("run \(runId): the ledger is read when the run is published, not ahead: \(error)")
        }
    }

    /// Threads that claim and fetch calls beside this process's worker; `stop()` ends them
    /// (after the call each is fetching) and closes their stores.
    func startHelpers(_ count: Int, storeURL: String, client: SabaClient, published: Published, ahead: RunAhead) throws -> WorkerHelpers {
        let helpers = WorkerHelpers()
        for k in 0..<max(0, count) {
            let store: SharedRunStore
            do { store = try openStore(storeURL, suffix: "#\(k + 2)") } catch {
                helpers.stop()
                throw error
            }
            helpers.start(store: store) { [outRoot, logger, clock, poll] stop in
                var helper = SharedRunWorker(store: store, client: client, outRoot: outRoot, logger: logger) { runId, _, _ in
                    throw JobError("a fetch helper does not publish (run \(runId))")
                }
                helper.clock = clock
                helper.poll = poll
                helper.nap = { [helpers] in helpers.nap($0) }
                helper.fetched = { published.add(fetched: $0) }
                helper.ahead = ahead
                do { try helper.fetchCalls(until: stop) } catch {
                    // Recorded in the store for the run too; thrown again by `stop()` for the exit status.
                    logger.notice("fetch helper \(store.worker) stopped: \(error)")
                    throw error
                }
            }
        }
        return helpers
    }

    func openStore(_ storeURL: String, suffix: String = "") throws -> SharedRunStore {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        // host:pid, and a nonce: two containers' pid 1 on one host network must not share a name.
        let name = "\(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):\(getpid()):\(String(UInt16.random(in: 0...UInt16.max), radix: 16))\(suffix)"
        let store: SharedRunStore
        do {
            store = try SharedRunStore(url: storeURL, worker: name, lease: settings.lease, passwordFile: settings.pgPasswordFile, logger: logger)
        } catch let e as LedgerError {
            throw SettingError(key: SettingKey.store.name, source: settings.settings.source(.store), message: "\(CommandLineRedactor.redactURLPassword(storeURL)): \(e.message)")
        }
        try store.migrate()
        return store
    }

    /// The run of this range: created with this process's settings, or the one already open
    /// for it, whose recorded settings win (said on stderr where they differ).
    func join(plan: WindowPlan, now: Date, store: SharedRunStore) throws -> String {
        let id = RunFolder.newRunId(started: clock.now())
        let runId = try store.createOrJoin(RunRecord(runId: id, plan: plan, now: now, judging: settings.judging))
        if runId != id {
            logger.notice("run \(runId) of this range is already open in the store: working on it")
            if let recorded = try store.record(of: runId)?.judging {
                for line in recorded.differences(from: settings.judging) {
                    logger.warning("run \(runId) judges with the settings it was created with; \(line) (ignored)")
                }
            }
        }
        return runId
    }

    /// Works on `runId` until it is published, by this process or another; its lines and status.
    func waitFor(_ runId: String, worker: SharedRunWorker, store: SharedRunStore, published: Published, metrics: RunMetrics) throws -> Finished {
        func finished() throws -> Bool { try store.state(of: runId)?.state.isFinal ?? true }
        try worker.work(until: finished)
        // Another process may still be publishing it.
        while try !finished() { Thread.sleep(forTimeInterval: poll) }
        var metrics = published.metrics(for: runId) ?? published.fetchedInto(metrics)
        guard let state = try store.state(of: runId) else {
            throw JobError("run \(runId) is no longer in the store \(store.displayName)", stage: .store, metrics: metrics)
        }
        if published.metrics(for: runId) == nil {
            // Another process published: its findings, or none (never zeros that read as "all clear").
            metrics.resultKnown = false
            if let result = state.result { metrics.take(result) }
        }
        guard state.state == .done, let status = state.exitStatus else {
            throw JobError("run \(runId) failed: \(state.summary ?? "(no reason recorded)")", stage: .store, metrics: metrics)
        }
        metrics.exitStatus = status
        if metrics.finishedAt == nil { metrics.finishedAt = clock.now() }
        let lines = state.summary.map { [$0] } ?? []
        return Finished(exitStatus: status, metrics: metrics, lines: lines,
                        message: "saba-recon \(metrics.command) \(runId): \(lines.first ?? "published") (exit \(status))")
    }
}

/// The metrics of the run this process published, if it did (set inside the worker's publish step),
/// and what the calls this process fetched moved.
final class Published: Sendable {
    /// By run id, and the last one published.
    private let runs = Mutex<(byRun: [String: RunMetrics], last: (String, RunMetrics)?)>(([:], nil))
    private let fetched = Mutex<[RunMetrics]>([])

    func set(_ metrics: RunMetrics, for runId: String) {
        runs.withLock {
            $0.byRun[runId] = metrics
            $0.last = (runId, metrics)
        }
    }

    func metrics(for runId: String) -> RunMetrics? { runs.withLock { $0.byRun[runId] } }

    var last: (String, RunMetrics)? { runs.withLock { $0.last } }

    func add(fetched call: RunMetrics) { fetched.withLock { $0.append(call) } }

    /// `metrics` with this process's fetched calls counted in.
    func fetchedInto(_ metrics: RunMetrics) -> RunMetrics {
        var m = metrics
        for call in fetched.withLock({ $0 }) {
            m.windowsFetched += call.windowsFetched
            m.requests += call.requests
            m.retries += call.retries
            m.ticketsFetched += call.ticketsFetched
            m.bytesFetched += call.bytesFetched
            m.stageSeconds[.fetch, default: 0] += call.stageSeconds[.fetch] ?? 0
        }
        return m
    }
}
