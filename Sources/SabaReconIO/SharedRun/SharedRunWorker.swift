import Foundation
import Logging
import SabaReconCore

/// One process's share of the runs in a `SharedRunStore` (SPEC §7): it claims calls and
/// fetches them, and when a run's calls are all done, claims its publishing step: a local run
/// folder under the shared `OUT` gets, in the job, the run's tickets (beside the ledger read)
/// and then each call's statistics (a call is marked done there only once its tickets are in),
/// and is then finished exactly as `run --resume` finishes a killed run (ledger, match,
/// reports, `latest`), fetching nothing, so the reports are byte for byte a single process's.
public struct SharedRunWorker {
    public var store: SharedRunStore
    public var client: SabaClient
    public var outRoot: URL
    public var logger: Logger
    /// How often a worker with nothing to claim looks again.
    public var poll: TimeInterval = 0.5
    /// Waits `poll` between looks; a fetch helper's wait is cut short when its process stops it.
    var nap: @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }
    /// How long a run ready to publish is left to the process that created it (`PublishingGrace`).
    public var publishingGrace: Duration = .seconds(2)
    public var clock: any WallClock = SystemWallClock()
    /// Told what each call this worker fetched moved (the invocation's metrics).
    public var fetched: (RunMetrics) -> Void = { _ in }
    /// The ledger and tickets this process keeps ahead for the run it opened, if it did.
    var ahead: RunAhead?
    /// Finishes a run whose calls are all done in the store; returns the exit status, the lines
    /// a run prints and its findings for the waiting processes (the CLI's `run --resume` path).
    /// `copyTickets` copies the run's tickets from the store into the folder's run.sqlite, then
    /// marks its calls done there, and checks the publishing claim is still held: the job runs
    /// it in place of a fetch, beside its ledger read.
    public var publish: (_ runId: String, _ shared: Manifest.SharedRun, _ copyTickets: @escaping @Sendable (RunStore) throws -> Void) throws
        -> (status: Int32, lines: [String], result: RunMetrics.Result?)

    public init(store: SharedRunStore, client: SabaClient, outRoot: URL, logger: Logger,
                publish: @escaping (_ runId: String, _ shared: Manifest.SharedRun, _ copyTickets: @escaping @Sendable (RunStore) throws -> Void) throws
                    -> (status: Int32, lines: [String], result: RunMetrics.Result?)) {
        self.store = store
        self.client = client
        self.outRoot = outRoot
        self.logger = logger
        self.publish = publish
    }

    /// Works until `done()` is true, or until no run is open; a call the provider refuses
    /// fails its run (recorded for every waiting process) and is thrown.
    public func work(until done: () throws -> Bool) throws {
        var grace = PublishingGrace(grace: publishingGrace)
        while try !done() {
            if let call = try store.claimCall() {
                try fetch(call)
                continue
            }
            if let (runId, record) = try store.claimPublishing(othersDue: grace.due(try store.readyRunsOfOthers())) {
                try finish(runId, record: record)
                continue
            }
            if try store.openRuns().isEmpty { return }
            // Calls are held by other workers: wait for them, or for their leases to run out.
            nap(poll)
        }
    }

    /// A helper beside the process's own worker (`fetch_concurrency` above 1): it claims and
    /// fetches calls, never publishes, and stops when `stop()` says so or no run is open.
    public func fetchCalls(until stop: () -> Bool) throws {
        while !stop() {
            if let call = try store.claimCall() {
                try fetch(call)
                continue
            }
            if try store.openRuns().isEmpty { return }
            nap(poll)
        }
    }

    func fetch(_ call: SharedRunStore.Call) throws {
        let store = self.store
        let keeper = LeaseKeeper(every: store.lease / 3) { try store.heartbeat(call) }
        defer { keeper.stop() }
        logger.info("worker \(store.worker): \(call.fetch) of run \(call.runId)")
        do {
            // The same stage a single process runs, streaming into the shared store.
            var metrics = RunMetrics(command: "worker", startedAt: clock.now())
            var claimed = ClaimedCall(store: store, call: call, keeper: keeper)
            if let ahead {
                ahead.fetching(call, true)
                claimed.committed = { ahead.committed(&$0, of: call) }
            }
            do {
                try FetchStage(client: client, store: claimed, clock: clock, logger: logger)
                    .run([call.fetch], metrics: &metrics)
            } catch {
                // Not committed by this process: another may commit it, and the follower copy it.
                ahead?.fetching(call, false)
                throw error
            }
            fetched(metrics)
        } catch let lost as StoreFailure.ClaimLost {
            // Not this run's failure: the window is another worker's now.
            logger.warning("worker \(store.worker): \(lost)")
        } catch {
            _ = try? store.finish(call.runId, state: .failed, exitStatus: 2, summary: "\(error)")
            throw error
        }
    }

    /// One publisher at a time per report root, as for a resume: wait (up to a lease) for a
    /// nightly or another run's publisher that holds the root's lock, rather than fail the run.
    func lockRoot(_ runId: String) throws -> RunLock {
        let giveUp = Date().addingTimeInterval(store.lease)
        while true {
            do {
                return try RunFolder.lock(outRoot, holder: "saba-recon worker \(store.worker) publishing \(runId)", now: Date())
            } catch let held as RunLock.Held where Date() < giveUp {
                logger.notice("publishing \(runId): \(held); waiting")
                Thread.sleep(forTimeInterval: 2)
            }
        }
    }

    /// The exit status and summary of a run already published under `root` (its run.json
    /// finished, its manifest complete), if it is.
    /// Only a folder this store's run published counts: a plain run's folder of the same name
    /// is refused by `RunFolder.shared` instead.
    static func published(_ runId: String, in root: URL, store: String) -> (Int32, String)? {
        guard RunFolder.isRunId(runId), let folder = try? RunFolder.open(runId, in: root), let record = try? folder.record(), record.finished,
              let manifest = try? folder.manifest(), manifest.outcome != .failed, manifest.run_id == runId,
              manifest.shared_run?.store == store else { return nil }
        let by = manifest.shared_run?.published_by ?? "another process"
        return (manifest.exit_status, "run \(runId): published by \(by): \(manifest.tickets_staged) tickets, \(manifest.discrepancies) discrepancies\nreports: \(folder.url.path)/discrepancies.csv")
    }

    func finish(_ runId: String, record: RunRecord) throws {
        let store = self.store
        let keeper = LeaseKeeper(every: store.lease / 3) { try store.heartbeatPublishing(runId) }
        defer { keeper.stop() }
        logger.info("worker \(store.worker): publishing run \(runId)")
        do {
            // The root's lock first: nothing under OUT is touched without it.
            let lock = try lockRoot(runId)
            defer { withExtendedLifetime(lock) {} }
            if let (status, summary) = Self.published(runId, in: outRoot, store: store.displayName) {
                // A publisher that lost its claim mid-way finished the reports anyway: they are
                // the run's (byte for byte what this one would write); record them, do not redo.
                _ = try store.finish(runId, state: .done, exitStatus: status, summary: summary)
                return
            }
            let folder = try RunFolder.shared(runId, in: outRoot, record: record)
            // The calls this process fetched, staged as it went, move in; the others are copied.
            let fetchedHere = ahead?.handOverTickets(of: runId, into: folder.url) ?? []
            let calls = try store.calls(of: runId)
            let shares = calls.map { call, _, by in
                Manifest.SharedRun.Call(window_start: UTCTime.iso(call.window.start), window_end: UTCTime.iso(call.window.end), is_settled: call.settled, fetched_by: by)
            }
            if !fetchedHere.isEmpty { logger.info("publishing run \(runId): \(fetchedHere.count) of \(shares.count) calls staged here moved in; the others are copied from the store") }
            // Reports are written only while the claim is held: a publisher whose lease ran out
            // (it stalled) leaves the run to the one that took it over.
            guard !keeper.lost, try store.holdsPublishing(runId) else {
                throw StoreFailure.ClaimLost(description: "lost the publishing claim on run \(runId) before writing its reports: another process publishes it")
            }
            let (status, lines, result) = try publish(runId, Manifest.SharedRun(store: store.displayName, published_by: store.worker, calls: shares)) { [store] local in
                try store.forEachTicketBatch(of: runId, skipping: fetchedHere) { try local.stage($0, order: $1) }
                // The calls are marked done in the folder only once their tickets are in it: a
                // publisher killed during the copy leaves calls a resume fetches again, never a
                // folder that looks complete with tickets missing (a plain nightly would resume
                // it and report them missing at the provider).
                for (call, stats, _) in calls { _ = try local.stage(call.fetch) { _ in stats } }
                // Checked again before the job matches and writes: the copy and the ledger
                // read are the long part of publishing.
                guard !keeper.lost, try store.holdsPublishing(runId) else {
                    throw StoreFailure.ClaimLost(description: "lost the publishing claim on run \(runId) before writing its reports: another process publishes it")
                }
            }
            guard try store.finish(runId, state: .done, exitStatus: status, summary: lines.joined(separator: "\n"), result: result) else {
                throw StoreFailure.ClaimLost(description: "lost the publishing claim on run \(runId) while writing its reports: another process took it over and writes the same reports")
            }
        } catch let lost as StoreFailure.ClaimLost {
            logger.warning("worker \(store.worker): \(lost)")
        } catch let error as JobError where error.underlying is StoreFailure.ClaimLost {
            // Lost while the job copied the tickets: the job says so in its own error.
            logger.warning("worker \(store.worker): \(error.underlying.map { "\($0)" } ?? "\(error)")")
        } catch {
            _ = try? store.finish(runId, state: .failed, exitStatus: 2, summary: "\(error)")
            throw error
        }
    }
}
