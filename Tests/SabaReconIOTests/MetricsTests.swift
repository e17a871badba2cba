import Foundation
import Logging
import Testing
import SabaReconCore
import TestSupport
@testable import SabaReconIO

@Suite struct MetricsTextfileTests {
    func completed() -> RunMetrics {
        var m = RunMetrics(command: "nightly", startedAt: Date(timeIntervalSince1970: 1_790_000_000))
        m.finishedAt = Date(timeIntervalSince1970: 1_790_000_100)
        m.exitStatus = 1
        m.stageSeconds = [.fetch: 80, .ledger: 5, .match: 10, .reports: 1]
        m.ticketsFetched = 1200
        m.ticketsStaged = 1500
        m.requests = 14
        m.retries = 2
        m.windowsFetched = 12
        m.windowsReused = 2
        let window = FetchWindow(index: 0, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 1))
        m.count([
            Discrepancy(window: window, provider: "saba", kind: .payoutMissing, transId: "1", memberId: "m", currency: "USD", detail: ""),
            Discrepancy(window: window, provider: "saba", kind: .payoutMissing, transId: "2", memberId: "m", currency: "USD", detail: ""),
            Discrepancy(window: window, provider: "saba", kind: .netMismatch, transId: "3", memberId: "m", currency: "THB", detail: ""),
        ])
        return m
    }

    @Test func aCompletedRunWritesEveryMetric() {
        let text = MetricsTextfile.render(completed(), previousLastSuccess: nil)
        let c = ["command": "nightly"]
        #expect(sample(text, "saba_recon_last_run_success", c) == 1)
        #expect(sample(text, "saba_recon_last_run_exit_status", c) == 1)
        #expect(sample(text, "saba_recon_last_success_timestamp_seconds", c) == 1_790_000_100)
        #expect(sample(text, "saba_recon_run_duration_seconds", c) == 100)
        #expect(sample(text, "saba_recon_stage_duration_seconds", ["stage": "fetch"]) == 80)
        #expect(sample(text, "saba_recon_stage_duration_seconds", ["stage": "refunds"]) == nil)
        #expect(sample(text, "saba_recon_tickets_fetched", c) == 1200)
        #expect(sample(text, "saba_recon_requests", c) == 14)
        #expect(sample(text, "saba_recon_retries", c) == 2)
        #expect(sample(text, "saba_recon_discrepancies", ["kind": "payout_missing", "currency": "USD"]) == 2)
        #expect(sample(text, "saba_recon_discrepancies", ["kind": "net_mismatch", "currency": "THB"]) == 1)
        #expect(sample(text, "saba_recon_discrepancies_total", c) == 3)
        #expect(text.contains("# TYPE saba_recon_last_run_success gauge"))
    }

    @Test func theBreakBookAddsBreaksPerStatusAndTheOldestWaitingAge() {
        #expect(sample(MetricsTextfile.render(completed(), previousLastSuccess: nil), "saba_recon_breaks", ["status": "new"]) == nil)
        var m = completed()
        m.breaks = ["new": 2, "acknowledged": 1, "resolved": 4]
        m.oldestOpenBreakDays = 37
        let text = MetricsTextfile.render(m, previousLastSuccess: nil)
        for (status, count) in [("new", 2.0), ("open", 0), ("changed", 0), ("reopened", 0), ("acknowledged", 1), ("resolved", 4)] {
            #expect(sample(text, "saba_recon_breaks", ["status": status]) == count, "\(status)")
        }
        #expect(sample(text, "saba_recon_oldest_open_break_age_days", ["command": "nightly"]) == 37)
        m.exitStatus = 2
        #expect(sample(MetricsTextfile.render(m, previousLastSuccess: nil), "saba_recon_breaks", ["status": "new"]) == nil)
    }

    /// A process that waited on a shared run another published, with no findings recorded:
    /// exit 1 must not come with `saba_recon_discrepancies_total 0` (a false "all clear").
    @Test func findingsThisProcessDoesNotKnowAreLeftOutNotZero() {
        var waited = RunMetrics(command: "run", startedAt: Date(timeIntervalSince1970: 1_790_000_000))
        waited.exitStatus = 1
        waited.resultKnown = false
        let text = MetricsTextfile.render(waited, previousLastSuccess: nil)
        #expect(sample(text, "saba_recon_last_run_exit_status", ["command": "run"]) == 1)
        #expect(sample(text, "saba_recon_discrepancies_total", ["command": "run"]) == nil)
        #expect(sample(text, "saba_recon_judged", ["command": "run"]) == nil)
        waited.take(completed().result)
        let known = MetricsTextfile.render(waited, previousLastSuccess: nil)
        #expect(sample(known, "saba_recon_discrepancies_total", ["command": "run"]) == 3)
        #expect(sample(known, "saba_recon_discrepancies", ["kind": "payout_missing", "currency": "USD"]) == 2)
    }

    @Test func aFailedRunKeepsTheLastSuccessTimeAndWritesNoDiscrepancyCounts() throws {
        let folder = TestTemp.url("metrics")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("saba_recon.prom").path
        try MetricsTextfile.write(completed(), to: path)
        var failed = RunMetrics(command: "nightly", startedAt: Date(timeIntervalSince1970: 1_790_086_400))
        failed.finishedAt = Date(timeIntervalSince1970: 1_790_086_460)
        failed.stageSeconds[.fetch] = 60
        failed.requests = 5
        failed.retries = 4
        try MetricsTextfile.write(failed, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(sample(text, "saba_recon_last_run_success") == 0)
        #expect(sample(text, "saba_recon_last_run_exit_status") == 2)
        #expect(sample(text, "saba_recon_last_run_timestamp_seconds") == 1_790_086_460)
        #expect(sample(text, "saba_recon_last_success_timestamp_seconds") == 1_790_000_100)
        #expect(sample(text, "saba_recon_retries") == 4)
        // A failed run's zero discrepancies would read as "all clear".
        #expect(sample(text, "saba_recon_discrepancies_total") == nil)
        #expect(sample(text, "saba_recon_discrepancies") == nil)
        // Replaced by rename: no temporary file is left for the collector to read.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["saba_recon.prom"])
    }

    @Test func aFirstFailureHasNoLastSuccessTime() {
        var failed = RunMetrics(command: "run", startedAt: Date(timeIntervalSince1970: 1000))
        failed.finishedAt = Date(timeIntervalSince1970: 1001)
        let text = MetricsTextfile.render(failed, previousLastSuccess: nil)
        #expect(sample(text, "saba_recon_last_success_timestamp_seconds") == nil)
        #expect(sample(text, "saba_recon_last_run_success") == 0)
    }
}

@Suite struct DeadMansSwitchTests {
    @Test func pingsStartSuccessAndFailWithASummary() {
        let transport = RecordingTransport()
        let deadman = DeadMansSwitch(url: "https://hc-ping.com/uuid-1/", transport: transport, logger: Logger(label: "test"))
        #expect(deadman.ping(.start, message: "nightly starting"))
        #expect(deadman.ping(.success, message: "run X: reconciled"))
        #expect(deadman.ping(.fail, message: "failed: ledger"))
        #expect(transport.requests.map(\.url) == ["https://hc-ping.com/uuid-1/start", "https://hc-ping.com/uuid-1", "https://hc-ping.com/uuid-1/fail"])
        #expect(transport.requests.map(\.method) == ["POST", "POST", "POST"])
        #expect(transport.requests[1].body == "run X: reconciled")
    }

    @Test func aMonitorThatFailsIsTriedTwiceAndNeverThrows() {
        let transport = RecordingTransport { _ in (503, "down") }
        let deadman = DeadMansSwitch(url: "https://hc-ping.com/uuid-2", transport: transport, logger: Logger(label: "test"))
        #expect(deadman.ping(.success, message: "x") == false)
        #expect(transport.requests.count == 2)
    }
}

@Suite struct JobProgressTests {
    @Test func theETAIsPacedByTheCallsThisInvocationFetched() {
        // A resumed run took over 8 calls, fetched 2 in 20 s, and has 2 to go: 20 s more, not 4.
        let p = JobProgress(callsDone: 10, callsFetched: 2, callsTotal: 12, window: 6, windows: 6, tickets: 5000,
                            elapsed: 20, bytesDone: 40_000_000, secondsDone: 20)
        #expect(p.secondsLeft == 20)
        #expect(p.megabytesPerSecond == 2)
        let first = JobProgress(callsDone: 3, callsFetched: 0, callsTotal: 12, window: 2, windows: 6, tickets: 0,
                                elapsed: 1, bytesDone: 0, secondsDone: 0)
        #expect(first.secondsLeft == nil)
    }
}
