import Foundation
import Logging
import SabaReconCore

/// fetch -> stage: every window's two calls, each streamed from libcurl through the decoder
/// into the run store in one transaction. Calls a resumed run already committed are skipped.
struct FetchStage {
    var client: SabaClient
    var store: RunStore
    var clock: any WallClock
    var logger: Logger
    var progress: (@Sendable (JobProgress) -> Void)?
    /// Checked before each call: throws when the run has already failed elsewhere (the
    /// ledger thread), so no more calls are made for a run that cannot complete.
    var check: () throws -> Void = {}

    func run(_ windows: [FetchWindow], metrics: inout RunMetrics) throws {
        let done = try store.finishedWindows()
        let started = clock.now()
        var secondsDone = 0.0
        func report(_ n: Int, _ metrics: RunMetrics, tickets extra: Int = 0) {
            progress?(JobProgress(callsDone: metrics.windowsFetched + metrics.windowsReused, callsFetched: metrics.windowsFetched,
                                  callsTotal: windows.count * 2, window: n + 1, windows: windows.count,
                                  tickets: metrics.ticketsFetched + extra, elapsed: clock.now().timeIntervalSince(started),
                                  bytesDone: metrics.bytesFetched, secondsDone: secondsDone))
        }
        for (n, window) in windows.enumerated() {
            for settled in [false, true] {
                if done.contains(FinishedWindow(index: window.index, start: window.start, settled: settled)) {
                    metrics.windowsReused += 1
                    continue
                }
                try check()
                var inCall = 0
                let before = metrics
                let stats = try store.stageWindow(window, settled: settled) { stage in
                    try client.fetch(window: window, settled: settled, onAttempt: { _ in inCall = 0 }) { ticket in
                        try stage(ticket)
                        inCall += 1
                        if inCall % 5_000 == 0 { report(n, before, tickets: inCall) }
                    }
                }
                metrics.windowsFetched += 1
                metrics.requests += stats.attempts
                metrics.retries += max(0, stats.attempts - 1)
                metrics.ticketsFetched += stats.tickets
                metrics.bytesFetched += stats.bytes
                secondsDone += stats.seconds
                report(n, metrics)
                logger.info("window \(n + 1)/\(windows.count) \(UTCTime.iso(window.start))..\(UTCTime.iso(window.end)) isSettled=\(settled): \(stats.tickets) tickets, \(stats.bytes) bytes in \(String(format: "%.2f", stats.seconds)) s")
            }
        }
        metrics.stageSeconds[.fetch] = clock.now().timeIntervalSince(started)
    }
}
