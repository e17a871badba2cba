import Foundation
import Logging
import SabaReconCore

/// fetch -> stage: calls in plan order, each streamed from libcurl through the decoder into
/// a `CallStore` (the run's `run.sqlite`, or the shared store for a worker's claimed call)
/// and committed with its stats. Calls the store already committed are skipped.
struct FetchStage {
    var client: SabaClient
    var store: any CallStore
    var clock: any WallClock
    var logger: Logger
    var progress: (@Sendable (JobProgress) -> Void)?
    /// Checked before each call: throws when the run has already failed elsewhere (the
    /// ledger thread), so no more calls are made for a run that cannot complete.
    var check: () throws -> Void = {}

    func run(_ calls: [FetchCall], metrics: inout RunMetrics) throws {
        let done = try store.committedCalls()
        let started = clock.now()
        // The progress line counts windows: the position of each call's window in the run.
        var windowNumber: [Int: Int] = [:]
        for call in calls where windowNumber[call.window.index] == nil { windowNumber[call.window.index] = windowNumber.count + 1 }
        var secondsDone = 0.0
        func report(_ call: FetchCall, _ metrics: RunMetrics, tickets extra: Int = 0) {
            progress?(JobProgress(callsDone: metrics.windowsFetched + metrics.windowsReused, callsFetched: metrics.windowsFetched,
                                  callsTotal: calls.count, window: windowNumber[call.window.index] ?? 0, windows: windowNumber.count,
                                  tickets: metrics.ticketsFetched + extra, elapsed: clock.now().timeIntervalSince(started),
                                  bytesDone: metrics.bytesFetched, secondsDone: secondsDone))
        }
        for call in calls {
            if done.contains(call) {
                metrics.windowsReused += 1
                continue
            }
            try check()
            var inCall = 0
            let before = metrics
            let stats = try store.stage(call) { stage in
                try client.fetch(call, onAttempt: { _ in inCall = 0 }) { ticket in
                    try stage(ticket)
                    inCall += 1
                    if inCall % 5_000 == 0 { report(call, before, tickets: inCall) }
                }
            }
            metrics.windowsFetched += 1
            metrics.requests += stats.attempts
            metrics.retries += max(0, stats.attempts - 1)
            metrics.ticketsFetched += stats.tickets
            metrics.bytesFetched += stats.bytes
            secondsDone += stats.seconds
            report(call, metrics)
            logger.info("window \(windowNumber[call.window.index] ?? 0)/\(windowNumber.count) \(UTCTime.iso(call.window.start))..\(UTCTime.iso(call.window.end)) isSettled=\(call.kind.isSettled): \(stats.tickets) tickets, \(stats.bytes) bytes in \(String(format: "%.2f", stats.seconds)) s")
        }
        metrics.stageSeconds[.fetch, default: 0] += clock.now().timeIntervalSince(started)
    }
}
