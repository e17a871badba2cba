import Foundation
import Logging
import SabaReconCore
import SabaReconIO
import SabaSandbox
import Synchronization
import Testing
import TestSupport

/// The run's lifecycle in process (no binary spawned): a `RunCoordinator` over the job's
/// parts, with an injected clock, a book served in-process and pings recorded.
struct CoordinatorScene: Sendable {
    let scene: JobScene
    let pings = RecordingTransport()
    var metricsFile: String { scene.root.appendingPathComponent("saba-recon.prom").path }

    init() throws { scene = try JobScene() }

    /// Settings as the CLI would resolve them: `flags` given on the command line, `environment`
    /// as the process's (SABA_JWT is added).
    func settings(flags: [String: String] = [:], environment: [String: String] = [:]) throws -> JobSettings {
        var given: [String: SettingValue] = [
            "api_url": .text("https://saba.test"), "ledger": .text("sqlite:\(scene.ledgerPath)"), "out": .text(scene.out.path),
            "metrics.textfile": .text(metricsFile), "metrics.deadman_url": .text("https://ping.test/check"),
            "xlsx": .text("false"), "html": .text("false"), "max_attempts": .text("1"),
        ]
        for (k, v) in flags { given[k] = .text(v) }
        var env = environment
        env["SABA_JWT"] = SandboxToken().make(vendorId: "v", expiresAt: Date().addingTimeInterval(3600))
        return try JobSettings(Settings(file: nil, environment: env, flags: given), environment: env, needsProvider: true)
    }

    func coordinator(_ settings: JobSettings, saba: any HTTPTransport, clock: any WallClock = FixedWallClock(JobScene.now.addingTimeInterval(3600))) -> RunCoordinator {
        var c = RunCoordinator(settings: settings, transport: Routed(saba: saba, pings: pings), clock: clock, logger: Logger(label: "test"),
                               toolVersion: "test", say: { _ in })
        c.poll = 0.05
        return c
    }

    var pinged: [String] { pings.requests.map { $0.url.replacingOccurrences(of: "https://ping.test/check", with: "") } }

    func metrics() throws -> String { try String(contentsOfFile: metricsFile, encoding: .utf8) }

    func manifest(_ runId: String) throws -> JSONValue {
        try JSONValue.parse(Array(Data(contentsOf: scene.out.appendingPathComponent(runId).appendingPathComponent("manifest.json"))))
    }
}

/// Pings to the monitor go to the recorder, everything else to Saba's stand-in.
struct Routed: HTTPTransport {
    let saba: any HTTPTransport
    let pings: RecordingTransport
    func perform(_ request: HTTPRequest, onHead: (HTTPResponseHead) throws -> Void,
                 onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponseHead {
        try (request.url.hasPrefix("https://ping.test/") ? pings : saba).perform(request, onHead: onHead, onBody: onBody)
    }
}

@Suite struct RunCoordinatorTests {
    @Test func aKilledNightlyIsResumedByTheNextFetchingOnlyWhatIsMissing() throws {
        let s = try CoordinatorScene()
        let calls = s.scene.plan.allWindows.count * 2
        let failing = BookTransport(book: s.scene.book, failAt: 3)
        let error = try #require(throws: JobError.self) {
            try s.coordinator(try s.settings(), saba: failing).run(RunRequest(.nightly(s.scene.plan, now: JobScene.now), commandLine: []))
        }
        let failed = URL(fileURLWithPath: try #require(error.runFolder)).lastPathComponent
        #expect(s.pinged == ["/start", "/fail"])
        #expect(try s.metrics().contains("saba_recon_last_run_exit_status{command=\"nightly\"} 2"))

        // With calls in flight together, the calls that completed around the failed one are committed too.
        let committed = try RunStore.files(in: s.scene.out.appendingPathComponent(failed)).committedCalls().count
        #expect(committed < calls)
        let good = BookTransport(book: s.scene.book)
        let status = try s.coordinator(try s.settings(), saba: good).run(RunRequest(.nightly(s.scene.plan, now: JobScene.now), commandLine: []))
        #expect(status == 1)
        // The same folder, finished: the calls committed before the break are not fetched again.
        #expect(s.scene.latest == failed)
        #expect(good.count == calls - committed)
        #expect(s.pinged == ["/start", "/fail", "/start", ""])
        #expect(try s.metrics().contains("saba_recon_last_run_exit_status{command=\"nightly\"} 1"))
        #expect(try s.manifest(failed)["based_on"] == .string("resumed"))
    }

    @Test func aNightlyStartsAfreshWhenItsKilledRunIsPastSabasHistory() throws {
        let s = try CoordinatorScene()
        _ = try? s.coordinator(try s.settings(), saba: BookTransport(book: s.scene.book, failAt: 3))
            .run(RunRequest(.nightly(s.scene.plan, now: JobScene.now), commandLine: []))
        // 200 days on, the killed run's first window is past the 180 days Saba keeps.
        let later = s.coordinator(try s.settings(), saba: BookTransport(book: s.scene.book), clock: FixedWallClock(JobScene.now.addingTimeInterval(200 * 86_400)))
        #expect(later.nightlyStart(plan: s.scene.plan, now: JobScene.now) == .fresh(s.scene.plan, now: JobScene.now))
        let sameNight = s.coordinator(try s.settings(), saba: BookTransport(book: s.scene.book))
        guard case .resume = sameNight.nightlyStart(plan: s.scene.plan, now: JobScene.now) else {
            Issue.record("the same night's killed run is not resumed")
            return
        }
    }

    @Test func theRootsLockRefusesASecondNightlyAndAResumeButNotAFreshRun() throws {
        let s = try CoordinatorScene()
        let held = try RunFolder.lock(s.scene.out, holder: "another nightly", now: JobScene.now)
        defer { withExtendedLifetime(held) {} }
        let transport = BookTransport(book: s.scene.book)
        let c = s.coordinator(try s.settings(), saba: transport)
        let refused = try #require(throws: RunLock.Held.self) { try c.run(RunRequest(.nightly(s.scene.plan, now: JobScene.now), commandLine: [])) }
        #expect(refused.description.contains("another nightly"))
        #expect(throws: RunLock.Held.self) { try c.run(RunRequest(.run(.resume(runId: "20260720T120000Z-0001")), commandLine: [])) }
        #expect(transport.count == 0)
        // The holder's night is going well: a refused overlap neither pings nor writes metrics.
        #expect(s.pinged.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: s.metricsFile))
        // With the break book (one writer at a time) a fresh run waits its turn too...
        #expect(throws: RunLock.Held.self) { try c.run(RunRequest(.run(.fresh(s.scene.plan, now: JobScene.now)), commandLine: [])) }
        // ...without it, a fresh run writes its own folder and moves latest atomically: it does not wait.
        let bookless = s.coordinator(try s.settings(flags: ["break_book": "off"]), saba: transport)
        #expect(try bookless.run(RunRequest(.run(.fresh(s.scene.plan, now: JobScene.now)), commandLine: [])) == 1)
        #expect(s.pinged == ["/start", ""])
    }

    @Test func aResumeJudgesWithTheSettingsItsRunWasCreatedWith() throws {
        let s = try CoordinatorScene()
        let error = try #require(throws: JobError.self) {
            try s.coordinator(try s.settings(flags: ["grace": "15m"]), saba: BookTransport(book: s.scene.book, failAt: 3))
                .run(RunRequest(.run(.fresh(s.scene.plan, now: JobScene.now)), commandLine: []))
        }
        let runId = URL(fileURLWithPath: try #require(error.runFolder)).lastPathComponent
        #expect(try s.coordinator(try s.settings(flags: ["grace": "1h", "tolerance": "0.01"]), saba: BookTransport(book: s.scene.book))
            .run(RunRequest(.run(.resume(runId: runId)), commandLine: [])) == 1)
        let manifest = try s.manifest(runId)
        #expect(manifest["grace_seconds"] == .number("900"))
        #expect(manifest["tolerance"] == .string("0"))
        #expect(manifest["setting_differences"] == .array([.string("grace: the run's 15m, this process's 1h"), .string("tolerance: the run's 0, this process's 0.01")]))
    }

    @Test func aRediffTakesTheOldRunsSettingsExceptThoseGivenAsFlags() throws {
        let s = try CoordinatorScene()
        #expect(try s.coordinator(try s.settings(), saba: BookTransport(book: s.scene.book))
            .run(RunRequest(.run(.fresh(s.scene.plan, now: JobScene.now)), commandLine: [])) == 1)
        let first = try #require(s.scene.latest)
        // From the environment: the old run's grace stands, and the difference is said.
        #expect(try s.coordinator(try s.settings(environment: ["SABA_RECON_GRACE": "1h"]), saba: BookTransport(book: s.scene.book))
            .run(RunRequest(.rediff(runId: first), commandLine: [])) == 1)
        let fromEnvironment = try s.manifest(try #require(s.scene.latest))
        #expect(fromEnvironment["grace_seconds"] == .number("900"))
        #expect(fromEnvironment["setting_differences"] == .array([.string("grace: the run's 15m, this process's 1h")]))
        // As a flag: on purpose, so it is used.
        #expect(try s.coordinator(try s.settings(flags: ["grace": "1h"]), saba: BookTransport(book: s.scene.book))
            .run(RunRequest(.rediff(runId: first), commandLine: [])) == 1)
        let fromFlag = try s.manifest(try #require(s.scene.latest))
        #expect(fromFlag["grace_seconds"] == .number("3600"))
        #expect(fromFlag["setting_differences"] == nil)
    }

    @Test func aFetchFailureUnderTheStoreWritesTheMetricsAndPingsFail() async throws {
        let pg = try TestPostgres.server()
        let (store, _) = try pg.makeDatabase()
        let s = try CoordinatorScene()
        let message: String = try await blocking { [s] in
            do {
                _ = try s.coordinator(try s.settings(flags: ["store": store, "lease": "10s"]), saba: BookTransport(book: s.scene.book, failAt: 3))
                    .run(RunRequest(.run(.fresh(s.scene.plan, now: JobScene.now)), commandLine: []))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message.contains("connection reset by the test"))
        #expect(s.pinged == ["/start", "/fail"])
        #expect(try s.metrics().contains("saba_recon_last_run_exit_status{command=\"run\"} 2"))
    }

    @Test func aWorkerStartedWithAnotherGraceJudgesWithTheRuns() async throws {
        let pg = try TestPostgres.server()
        let (store, _) = try pg.makeDatabase()
        let s = try CoordinatorScene()
        // The reference: one process, grace 15m, no store (no break book: the shared run's rows
        // would be `open` after it in the same root).
        #expect(try s.coordinator(try s.settings(flags: ["grace": "15m", "break_book": "off"]), saba: BookTransport(book: s.scene.book))
            .run(RunRequest(.run(.fresh(s.scene.plan, now: JobScene.now)), commandLine: [])) == 1)
        let single = try #require(s.scene.latest)
        let recorded = try s.settings(flags: ["grace": "15m", "break_book": "off"]).judging
        let shared = "20260720T130000Z-0001"
        let (status, state, idle): (Int32, RunState?, Int32) = try await blocking { [s] in
            // The run as `run --store --grace 15m` creates it; then a worker started with 1h does all of it.
            let creator = try SharedRunStore(url: store, worker: "creator", lease: 10, logger: Logger(label: "test"))
            defer { creator.close() }
            try creator.migrate()
            _ = try creator.createOrJoin(RunRecord(runId: shared, plan: s.scene.plan, now: JobScene.now, judging: recorded))
            let worker = s.coordinator(try s.settings(flags: ["store": store, "lease": "10s", "grace": "1h", "break_book": "off"]), saba: BookTransport(book: s.scene.book))
            let status = try worker.run(RunRequest(.worker(wait: 0), commandLine: []))
            // A second worker finds nothing to do: it tells the monitor nothing.
            let idle = try worker.run(RunRequest(.worker(wait: 0), commandLine: []))
            return (status, try creator.state(of: shared)?.state, idle)
        }
        #expect(status == 0 && state == .done && idle == 0)
        // The reference run's start and success, then the worker's publication only (exit 1: discrepancies).
        #expect(s.pinged == ["/start", "", ""])
        #expect(try s.metrics().contains("saba_recon_last_run_exit_status{command=\"worker\"} 1"))
        let manifest = try s.manifest(shared)
        #expect(manifest["grace_seconds"] == .number("900"))
        #expect(manifest["setting_differences"] == .array([.string("grace: the run's 15m, this process's 1h")]))
        let reports = try s.scene.reports(s.scene.out.appendingPathComponent(shared))
        #expect(reports == (try s.scene.reports(s.scene.out.appendingPathComponent(single))))
    }

    /// The break book and `fail_on` are the run's too: a worker whose own config turns the
    /// book off still publishes into the run's book, with the run's rule.
    @Test func aWorkerWithTheBookOffPublishesIntoTheRunsBook() async throws {
        let pg = try TestPostgres.server()
        let (store, _) = try pg.makeDatabase()
        let s = try CoordinatorScene()
        let recorded = try s.settings(flags: ["fail_on": "any"]).judging
        let shared = "20260720T130000Z-0001"
        let status: Int32 = try await blocking { [s] in
            let creator = try SharedRunStore(url: store, worker: "creator", lease: 10, logger: Logger(label: "test"))
            defer { creator.close() }
            try creator.migrate()
            _ = try creator.createOrJoin(RunRecord(runId: shared, plan: s.scene.plan, now: JobScene.now, judging: recorded))
            // Calls that take a moment, so the worker's fetch helpers (fetch_concurrency 4) share them.
            let worker = s.coordinator(try s.settings(flags: ["store": store, "lease": "10s", "break_book": "off"]), saba: JitteredTransport(book: s.scene.book))
            return try worker.run(RunRequest(.worker(wait: 0), commandLine: []))
        }
        #expect(status == 0)
        let manifest = try s.manifest(shared)
        guard case .array(let calls)? = manifest["shared_run"]?["calls"] else {
            Issue.record("no shared_run.calls")
            return
        }
        let fetchers = Set(calls.compactMap { $0["fetched_by"]?.stringValue })
        #expect(fetchers.count > 1 && fetchers.contains { $0.hasSuffix("#2") || $0.hasSuffix("#3") || $0.hasSuffix("#4") }, "\(fetchers)")
        #expect(manifest["setting_differences"] == .array([.string("break_book: the run's OUT/breaks.sqlite, this process's off"),
                                                           .string("fail_on: the run's any, this process's unacknowledged")]))
        guard case .object(let breaks)? = manifest["breaks"] else {
            Issue.record("the worker published without the run's break book: \(String(describing: manifest["breaks"]))")
            return
        }
        #expect(breaks["new"] != nil)
        #expect(FileManager.default.fileExists(atPath: s.scene.out.appendingPathComponent("breaks.sqlite").path))
    }

    /// A call the provider refuses fails the run whichever thread of the worker fetched it:
    /// the worker exits 2, never 0 because a helper thread took the call.
    @Test func aRefusedCallFailsTheWorkerWhicheverThreadFetchedIt() async throws {
        let pg = try TestPostgres.server()
        let (store, _) = try pg.makeDatabase()
        let s = try CoordinatorScene()
        let shared = "20260720T130000Z-0001"
        let (outcome, state): (String, RunState?) = try await blocking { [s] in
            let creator = try SharedRunStore(url: store, worker: "creator", lease: 10, logger: Logger(label: "test"))
            defer { creator.close() }
            try creator.migrate()
            _ = try creator.createOrJoin(RunRecord(runId: shared, plan: s.scene.plan, now: JobScene.now, judging: try s.settings().judging))
            let worker = s.coordinator(try s.settings(flags: ["store": store, "lease": "10s"]), saba: JitteredTransport(book: s.scene.book, failAt: 3))
            let outcome: String
            do { outcome = "exit \(try worker.run(RunRequest(.worker(wait: 0), commandLine: [])))" } catch { outcome = "\(error)" }
            return (outcome, try creator.state(of: shared)?.state)
        }
        #expect(outcome.contains("connection reset by the test"), "\(outcome)")
        #expect(state == .failed)
    }

    /// A run made with --store keeps its book in the store's schema; a rediff of its folder
    /// reaches that book through the store of its own settings, or says it needs one.
    @Test func aRediffOfAStoreRunUpdatesTheStoresBook() async throws {
        let pg = try TestPostgres.server()
        let (store, _) = try pg.makeDatabase()
        let s = try CoordinatorScene()
        let shared = "20260720T130000Z-0001"
        let (status, rediffed, nights, refused): (Int32, Int32, [String?], String) = try await blocking { [s] in
            let withStore = try s.settings(flags: ["store": store, "lease": "10s"])
            #expect(withStore.judging.breakBook == .store)
            let creator = try SharedRunStore(url: store, worker: "creator", lease: 10, logger: Logger(label: "test"))
            defer { creator.close() }
            try creator.migrate()
            _ = try creator.createOrJoin(RunRecord(runId: shared, plan: s.scene.plan, now: JobScene.now, judging: withStore.judging))
            let status = try s.coordinator(withStore, saba: BookTransport(book: s.scene.book)).run(RunRequest(.worker(wait: 0), commandLine: []))
            let rediffed = try s.coordinator(withStore, saba: BookTransport(book: s.scene.book)).run(RunRequest(.rediff(runId: shared), commandLine: []))
            let latest = s.scene.latest
            let book = StoreBreakBook(creator)
            var nights: [String?] = [try book.appliedNight(shared) == nil ? nil : shared]
            if let latest { nights.append(try book.appliedNight(latest) == nil ? nil : latest) }
            var refused = ""
            do { _ = try s.coordinator(try s.settings(), saba: BookTransport(book: s.scene.book)).run(RunRequest(.rediff(runId: shared), commandLine: [])) } catch {
                refused = "\(error)"
            }
            return (status, rediffed, nights, refused)
        }
        #expect(status == 0 && rediffed == 1)
        #expect(nights.count == 2 && nights.allSatisfy { $0 != nil } && nights[0] != nights[1], "\(nights)")
        #expect(refused.contains("this process has no store"), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: s.scene.out.appendingPathComponent("breaks.sqlite").path))
    }

    @Test func theRecordedSettingsReadBackAndABadOneIsRefusedUpFront() throws {
        let s = try CoordinatorScene()
        // What run.json could not read back is refused when the settings are resolved, not at the resume.
        let refused = #expect(throws: SettingError.self) { try s.settings(flags: ["bet_stop_window": "2d"]) }
        #expect(refused?.description.contains("bet_stop_window") == true)
        var judging = try s.settings(flags: ["tolerance": "0.01,VND=1", "stake_basis": "nominal", "accounting_tz": "+08:00", "refunds": s.scene.root.path,
                                             "break_book": "off", "fail_on": "new"]).judging
        judging.currencies?.entries[51] = CurrencyInfo(code: "VND", scale: 1000, decimals: 2)
        let back = try JSONDecoder().decode(RunJudging.self, from: JSONEncoder().encode(judging))
        #expect(back == judging)
        #expect(back.differences(from: try s.settings().judging).map { $0.components(separatedBy: ":")[0] }
            == ["tolerance", "stake_basis", "accounting_tz", "refunds", "break_book", "fail_on", "currencies"])
        // A record from before the book was recorded: this process's book and rule, silently.
        var older = back
        older.breakBook = nil
        older.failOn = nil
        #expect(try JSONDecoder().decode(RunJudging.self, from: JSONEncoder().encode(older)) == older)
        #expect(older.differences(from: try s.settings().judging).map { $0.components(separatedBy: ":")[0] }
            == ["tolerance", "stake_basis", "accounting_tz", "refunds", "currencies"])
        let relative = String(decoding: try JSONEncoder().encode(back), as: UTF8.self).replacingOccurrences(of: "\"break_book\":\"off\"", with: "\"break_book\":\"books/b.sqlite\"")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RunJudging.self, from: Data(relative.utf8)) }
        let planted = String(decoding: try JSONEncoder().encode(judging), as: UTF8.self).replacingOccurrences(of: "\"grace\":900", with: "\"grace\":9000000")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RunJudging.self, from: Data(planted.utf8)) }
    }
}
