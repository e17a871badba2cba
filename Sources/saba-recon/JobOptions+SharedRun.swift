import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

extension JobOptions {
    /// This process as a worker of the shared store: it fetches claimed calls, and publishes
    /// a run whose calls are all done through the same path as `run --resume`.
    func sharedWorker(_ job: ResolvedJob, storeURL: String, command: String, commandLine: [String]) throws -> (SharedRunStore, SharedRunWorker) {
        let logger = logger(job)
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        // host:pid, and a nonce: two containers' pid 1 on one host network must not share a name.
        let name = "\(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):\(getpid()):\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
        let store: SharedRunStore
        do {
            store = try SharedRunStore(url: storeURL, worker: name, lease: job.lease, logger: logger)
        } catch let e as LedgerError {
            throw ParsingFailure("--store \(CommandLineRedactor.redactURLPassword(storeURL)): \(e.message)")
        }
        try store.migrate()
        let (client, secrets) = try makeClient(job, transport: CurlTransport(), logger: logger)
        let out = URL(fileURLWithPath: job.out)
        let redacted = CommandLineRedactor.redact(commandLine, secrets: secrets)
        let worker = SharedRunWorker(store: store, client: client, outRoot: out, logger: logger) { runId, shared in
            // The worker holds the report root's lock while it publishes (SharedRunWorker.lockRoot).
            var lines: [String] = []
            let status = try self.execute(job, start: .resume(runId: runId), command: command, commandLine: redacted, quiet: true, lines: { lines.append($0) },
                                         sharedRun: shared)
            if let keep = job.keepRuns {
                // The run being published is still open: it is never among the pruned.
                do { try store.prune(keep: keep) } catch { self.logger(job).error("keep_runs \(keep) in the store: \(error)") }
            }
            return (status, lines)
        }
        return (store, worker)
    }

    /// `run --store`: the run of this range (created, or the one already open for it), worked
    /// on until it is published by this process or another; its lines and exit status.
    func runShared(_ job: ResolvedJob, storeURL: String, start: JobStart, command: String = "run") throws -> Int32 {
        let (store, worker) = try sharedWorker(job, storeURL: storeURL, command: command, commandLine: CommandLine.arguments)
        defer { store.close() }
        let runId: String
        switch start {
        case .fresh(let plan, let now):
            let id = RunFolder.newRunId(started: Date())
            runId = try store.createOrJoin(RunRecord(runId: id, plan: plan, now: now))
            if runId != id { logger(job).notice("run \(runId) of this range is already open in the store: working on it") }
        case .resume(let id):
            // A failed run is opened again (its done calls stay done); a finished one is not.
            try store.reopen(id)
            runId = id
        case .rediff:
            throw ParsingFailure("rediff works on a run folder; run it without --store")
        }
        func finished() throws -> Bool {
            guard let s = try store.state(of: runId) else { return true }
            return s.state == "done" || s.state == "failed"
        }
        try worker.work(until: finished)
        // Another process may still be publishing it.
        while try !finished() { Thread.sleep(forTimeInterval: 0.5) }
        guard let state = try store.state(of: runId) else { throw JobError(underlying: "run \(runId) is no longer in the store \(store.displayName)") }
        guard state.state == "done", let status = state.exitStatus else {
            throw JobError(underlying: "run \(runId) failed: \(state.summary ?? "(no reason recorded)")")
        }
        if let summary = state.summary { print(summary) }
        return status
    }
}
