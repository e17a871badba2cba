import Foundation
import Logging
import SabaReconCore
import Synchronization

/// fetch -> stage: calls streamed from libcurl through the decoder into a `CallStore` (the
/// run's `run.sqlite`, or the shared store for a worker's claimed call) and committed with
/// their stats. Calls the store already committed are skipped. With `concurrency` above 1
/// and a store that takes calls together, up to that many calls are in flight, each
/// decoding on its own thread, staged through the one writer (this thread); a provider's
/// pushback holds them all (`ProviderGate`).
struct FetchStage {
    var client: SabaClient
    var store: any CallStore
    var clock: any WallClock
    var logger: Logger
    var progress: (@Sendable (JobProgress) -> Void)?
    /// GetBetDetails calls in flight together (`fetch_concurrency`).
    var concurrency = 1
    /// Checked before each call: throws when the run has already failed elsewhere (the
    /// ledger thread), so no more calls are made for a run that cannot complete.
    var check: @Sendable () throws -> Void = {}

    /// Tickets handed from a call's thread to the writer at a time, and batches queued at
    /// most: memory stays bounded whatever the calls' sizes. Up to (queued + calls in flight
    /// + 1) batches are alive at once: at 250 tickets each, under a megabyte.
    static let batchSize = 250
    static let queuedBatches = 4

    func run(_ calls: [FetchCall], metrics: inout RunMetrics) throws {
        let done = try store.committedCalls()
        var tracker = Tracker(calls: calls, started: clock.now(), clock: clock, progress: progress)
        // A settled call done before its window's unsettled call (a folder of an earlier
        // version, killed with calls in flight) is asked again after it (`FetchCall.follows`).
        let todo = calls.filter { !done.contains($0) || ($0.follows.map { !done.contains($0) } ?? false) }
        for call in calls where !todo.contains(call) { tracker.commit(call) }
        metrics.windowsReused += calls.count - todo.count
        if concurrency > 1, todo.count > 1, let together = store as? any ConcurrentCallStore {
            try fetchTogether(todo, into: together, metrics: &metrics, tracker: &tracker)
        } else {
            for call in todo {
                try check()
                var inCall = 0
                let before = metrics
                let stats = try store.stage(call) { stage in
                    try client.fetch(call, onAttempt: { _ in inCall = 0 }) { ticket in
                        try stage(ticket)
                        inCall += 1
                        if inCall % 5_000 == 0 { tracker.report(call, before, tickets: inCall) }
                    }
                }
                committed(call, stats, metrics: &metrics, tracker: &tracker)
            }
        }
        metrics.stageSeconds[.fetch, default: 0] += clock.now().timeIntervalSince(tracker.started)
    }

    func committed(_ call: FetchCall, _ stats: FetchStats, metrics: inout RunMetrics, tracker: inout Tracker) {
        metrics.windowsFetched += 1
        metrics.requests += stats.attempts
        metrics.retries += max(0, stats.attempts - 1)
        metrics.ticketsFetched += stats.tickets
        metrics.bytesFetched += stats.bytes
        tracker.secondsDone += stats.seconds
        tracker.commit(call)
        tracker.report(call, metrics)
        let (n, of) = tracker.position(call)
        logger.info("window \(n)/\(of) \(UTCTime.iso(call.window.start))..\(UTCTime.iso(call.window.end)) isSettled=\(call.kind.isSettled): \(stats.tickets) tickets, \(stats.bytes) bytes in \(String(format: "%.2f", stats.seconds)) s")
    }

    /// What a call's thread hands the writer.
    enum Message: Sendable {
        case tickets(FetchCall, [Ticket])
        case done(FetchCall, FetchStats)
    }

    /// The calls' failures. A failure stops the calls after it in the plan; the calls before
    /// it go on, so the failure thrown is always the earliest window's, as one at a time:
    /// a provider that refuses every call is reported for the same window at any concurrency.
    final class Failures: Sendable {
        private let list = Mutex<[(call: FetchCall, error: any Error)]>([])
        private let stopAfter = Mutex(Int.max)
        func add(_ call: FetchCall, _ error: any Error) -> Bool {
            stopAfter.withLock { $0 = min($0, call.planOrder) }
            return list.withLock { $0.append((call, error)); return $0.count == 1 }
        }
        /// Whether `call` comes after a call that failed.
        func stops(_ call: FetchCall) -> Bool { call.planOrder > stopAfter.withLock { $0 } }
        var first: (any Error)? { list.withLock { l in l.min { $0.call.planOrder < $1.call.planOrder }?.error } }
    }

    /// Raised inside a call's decode when another call failed: its transfer stops at once.
    struct Stopped: Error {}

    /// Up to `concurrency` threads take the calls in plan order and fetch them; this thread
    /// stages what they decode and commits each call once its last ticket is in. A failure
    /// stops the calls after it in the plan (the ones before it finish, or fail first); the
    /// earliest is thrown once every thread has stopped; calls committed stay committed (a
    /// resume fetches only the others).
    func fetchTogether(_ todo: [FetchCall], into together: any ConcurrentCallStore, metrics: inout RunMetrics, tracker: inout Tracker) throws {
        var client = client
        client.gate = client.gate ?? ProviderGate()
        let threads = min(concurrency, todo.count)
        let queue = BoundedQueue<Message>(capacity: Self.queuedBatches, producers: threads)
        let schedule = CallSchedule(todo)
        let check = check
        let failures = Failures()
        let logger = logger
        for _ in 0..<threads {
            _ = BackgroundThread { [client] in
                defer { queue.finish() }
                // Waiting on the provider costs nothing; decoding a body that is already here
                // is CPU, and on a small machine it must not starve the ledger read beside it
                // (the run's longer path): these threads yield to it.
                Self.yieldToOtherWork()
                while !queue.isCancelled {
                    // Calls are taken in plan order (once one failed, the rest come after it),
                    // a window's settled call once its unsettled call is answered.
                    guard let call = schedule.next(skipping: { failures.stops($0) }, cancelled: { queue.isCancelled }) else { return }
                    do {
                        try check()
                        var batch: [Ticket] = []
                        batch.reserveCapacity(Self.batchSize)
                        // An earlier call that failed stops this one (at its next ticket, attempt or wait).
                        let stop = { if queue.isCancelled || failures.stops(call) { throw Stopped() } }
                        let stats = try client.fetch(call, onAttempt: { _ in try stop() }, stopWaiting: stop) { ticket in
                            batch.append(ticket)
                            if batch.count == Self.batchSize {
                                try stop()
                                guard queue.put(.tickets(call, batch)) else { throw Stopped() }
                                batch.removeAll(keepingCapacity: true)
                            }
                        }
                        if !batch.isEmpty { guard queue.put(.tickets(call, batch)) else { return } }
                        guard queue.put(.done(call, stats)) else { return }
                        schedule.answered(call)
                    } catch is Stopped {
                        return
                    } catch {
                        if failures.add(call, error) {
                            logger.notice("GetBetDetails \(call) failed: stopping the calls after it")
                        }
                        schedule.wake()
                        return
                    }
                }
            }
        }
        var inCall: [FetchCall: Int] = [:]
        do {
            try together.staging { sink in
                while let message = queue.take() {
                    switch message {
                    case .tickets(let call, let tickets):
                        for t in tickets { try sink.stage(t, of: call) }
                        inCall[call, default: 0] += tickets.count
                        if inCall[call, default: 0] % 5_000 < tickets.count {
                            tracker.report(call, metrics, tickets: inCall.values.reduce(0, +))
                        }
                    case .done(let call, let stats):
                        try sink.commit(call, stats: stats)
                        inCall[call] = nil
                        committed(call, stats, metrics: &metrics, tracker: &tracker)
                    }
                }
                // Every thread has stopped: the calls committed stay, the rest is rolled back.
                if let first = failures.first { throw first }
            }
        } catch {
            // The writer failed (or rethrows a call's failure): stop the calls and wait for their threads.
            schedule.stop()
            queue.cancel()
            while queue.take() != nil {}
            throw error
        }
    }

    /// Lowers the calling thread's scheduling priority (Linux: a thread's own nice value).
    static func yieldToOtherWork() {
        #if os(Linux)
        // On Linux the nice value is per thread, and who = 0 names the calling thread.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }

    /// The progress line and the log's "window n/m": counted by windows, in plan order. The
    /// line's window is the first not yet complete (so, one call at a time, the one being
    /// fetched), whichever calls are in flight.
    struct Tracker {
        let calls: [FetchCall]
        let started: Date
        let clock: any WallClock
        let progress: (@Sendable (JobProgress) -> Void)?
        var windowNumber: [Int: Int] = [:]
        var secondsDone = 0.0
        var callsPerWindow: [Int: Int] = [:]
        var committedPerWindow: [Int: Int] = [:]
        var windowsComplete = 0

        mutating func commit(_ call: FetchCall) {
            committedPerWindow[call.window.index, default: 0] += 1
            if committedPerWindow[call.window.index] == callsPerWindow[call.window.index] { windowsComplete += 1 }
        }

        init(calls: [FetchCall], started: Date, clock: any WallClock, progress: (@Sendable (JobProgress) -> Void)?) {
            self.calls = calls
            self.started = started
            self.clock = clock
            self.progress = progress
            for call in calls {
                if windowNumber[call.window.index] == nil { windowNumber[call.window.index] = windowNumber.count + 1 }
                callsPerWindow[call.window.index, default: 0] += 1
            }
        }

        func position(_ call: FetchCall) -> (Int, Int) { (windowNumber[call.window.index] ?? 0, windowNumber.count) }

        func report(_ call: FetchCall, _ metrics: RunMetrics, tickets extra: Int = 0) {
            progress?(JobProgress(callsDone: metrics.windowsFetched + metrics.windowsReused, callsFetched: metrics.windowsFetched,
                                  callsTotal: calls.count, window: min(windowsComplete + 1, windowNumber.count), windows: windowNumber.count,
                                  tickets: metrics.ticketsFetched + extra, elapsed: clock.now().timeIntervalSince(started),
                                  bytesDone: metrics.bytesFetched, secondsDone: secondsDone))
        }
    }
}
