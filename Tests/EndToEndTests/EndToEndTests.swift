import Foundation
import TestSupport
import Testing
import SabaReconCore
import SabaReconIO
import SabaSandbox

@Suite(.serialized) struct EndToEndTests {
    /// Once in UTC and once under a far-off TZ: times are UTC whatever the machine's zone.
    @Test(arguments: ["UTC", "Asia/Manila"])
    func seededLedgerGivesTheExpectedReportsAndExitOne(timeZone: String) async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments()
        let result = try await blocking { try CLI.run(args, environment: ["TZ": timeZone]) }
        await scene.server.stop()
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        let run = try scene.latest()
        let runId = run.lastPathComponent
        for name in ["discrepancies.csv", "summary.csv", "discrepancies.json"] {
            let actual = Expected.normalise(try scene.read(name), runId: runId)
            try Expected.updateIfAsked(name, actual)
            #expect(actual == (try Expected.text(name)), "\(name) differs from Tests/EndToEndTests/Expected/\(name)")
        }
        // Every seeded mistake is in the report under its kind, and nothing else is.
        let csv = try CSVTable(parsing: scene.read("discrepancies.csv"))
        let reported = Set(csv.rows.map { "\(csv.cell($0, "kind") ?? "") \(csv.cell($0, "trans_id") ?? "")" })
        #expect(reported == Set(scene.seeded.map { "\($0.kind.rawValue) \($0.transId)" }))
        #expect(Set(scene.seeded.map(\.kind)).count == 12)

        let manifest = try JSONValue.parse(scene.read("manifest.json"))
        #expect(manifest["outcome"] == .string("discrepancies"))
        #expect(manifest["exit_status"] == .number("1"))
        #expect(manifest["run_id"] == .string(runId))
        for name in ["discrepancies.csv", "summary.csv", "discrepancies.json", "daily.csv", "discrepancies.xlsx", "report.html"] {
            let bytes = try [UInt8](Data(contentsOf: run.appendingPathComponent(name)))
            #expect(manifest["reports"]?[name] == .string(SHA256.hex(bytes)))
        }
        // No temp files are left behind.
        let files = try FileManager.default.contentsOfDirectory(atPath: run.path).sorted()
        #expect(files == ["breaks.csv", "daily.csv", "discrepancies.csv", "discrepancies.json", "discrepancies.xlsx", "ledger.spool", "ledger.sqlite", "manifest.json",
                          "report.html", "run.json", "run.sqlite", "summary.csv"])
        // The page names every kind the CSV reports, with its count.
        let html = try scene.read("report.html")
        for kind in Set(scene.seeded.map(\.kind)) {
            let count = scene.seeded.filter { $0.kind == kind }.count
            #expect(html.contains("data-kind=\"\(kind.rawValue)\" data-count=\"\(count)\""), "\(kind.rawValue) missing from report.html")
        }
        await scene.stop()
    }

    @Test func noXlsxAndNoHtmlLeaveThemOut() async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments(["--no-xlsx", "--no-html"])
        let result = try await blocking { try CLI.run(args) }
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let run = try scene.latest()
        let files = try FileManager.default.contentsOfDirectory(atPath: run.path)
        #expect(!files.contains("discrepancies.xlsx") && !files.contains("report.html") && files.contains("discrepancies.csv"))
        let manifest = try JSONValue.parse(scene.read("manifest.json"))
        #expect(manifest["reports"]?["discrepancies.xlsx"] == nil && manifest["reports"]?["report.html"] == nil)
        await scene.stop()
    }

    @Test func aCleanLedgerReconcilesWithExitZero() async throws {
        let scene = try await Scene.start(ledger: .clean)
        let args = scene.runArguments()
        let result = try await blocking { try CLI.run(args) }
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let csv = try scene.read("discrepancies.csv")
        #expect(csv == (ReportColumns.discrepancies.names() + ReportColumns.breaks.names()).joined(separator: ",") + "\r\n")
        #expect(result.stdout.contains("reconciled, no discrepancies"))
        let summary = try scene.read("summary.csv")
        #expect(summary.contains("\r\ncontrol,USD,"))
        #expect(!summary.contains("discrepancy,"))
        await scene.stop()
    }

    @Test func twoRunsOverTheSameInputsAreIdenticalButForTheRunId() async throws {
        let scene = try await Scene.start()
        // Without the break book: with it, the second run's rows are `open` (seen before).
        let args = scene.runArguments(["--break-book", "off"])
        _ = try await blocking { try CLI.run(args) }
        let first = try scene.latest()
        _ = try await blocking { try CLI.run(args) }
        let second = try scene.latest()
        #expect(first != second)
        for name in ["discrepancies.csv", "summary.csv", "discrepancies.json", "daily.csv"] {
            let a = Expected.normalise(try scene.read(name, in: first), runId: first.lastPathComponent)
            let b = Expected.normalise(try scene.read(name, in: second), runId: second.lastPathComponent)
            #expect(a == b, "\(name) differs between runs")
        }
        // report.html's trend shows the runs of its own folder: a third run into a fresh
        // folder sees only itself, as the first did.
        let fresh = scene.out.deletingLastPathComponent().appendingPathComponent("fresh-out")
        let freshArgs = args.map { $0 == scene.out.path ? fresh.path : $0 }
        _ = try await blocking { try CLI.run(freshArgs) }
        let third = fresh.appendingPathComponent(try FileManager.default.destinationOfSymbolicLink(atPath: fresh.appendingPathComponent("latest").path))
        let pageA = Expected.normalise(try scene.read("report.html", in: first), runId: first.lastPathComponent)
        let pageC = Expected.normalise(try scene.read("report.html", in: third), runId: third.lastPathComponent)
        #expect(pageA == pageC, "report.html differs between runs")
        // The second run's trend holds the first.
        #expect(try scene.read("report.html", in: second).contains(first.lastPathComponent))
        // The workbook: every part of the zip equal once the run id is replaced.
        let unzip = try ExternalReader.require(["unzip"], package: "unzip")
        @Sendable func parts(_ run: URL) throws -> [String: String] {
            let book = run.appendingPathComponent("discrepancies.xlsx").path
            let names = String(decoding: try unzip.run(["-Z1", book]), as: UTF8.self).split(separator: "\n").map(String.init)
            return try Dictionary(uniqueKeysWithValues: names.map { name in
                // unzip reads [ ] in a name as a pattern.
                let pattern = name.replacingOccurrences(of: "[", with: "\\[").replacingOccurrences(of: "]", with: "\\]")
                return (name, Expected.normalise(String(decoding: try unzip.run(["-p", book, pattern]), as: UTF8.self), runId: run.lastPathComponent))
            })
        }
        let (partsA, partsB) = try await blocking { (try parts(first), try parts(second)) }
        #expect(partsA.count >= 10 && partsA == partsB, "discrepancies.xlsx differs between runs")
        await scene.stop()
    }

    @Test func theTokenAppearsNowhere() async throws {
        let scene = try await Scene.start(faults: SandboxFaults(failEvery: 3))
        let args = scene.runArguments(["--log-level", "debug"])
        let token = scene.token
        let result = try await blocking { try CLI.run(args, environment: ["SABA_JWT": token]) }
        #expect(result.status == 1)
        #expect(!result.stdout.contains(token) && !result.stderr.contains(token))
        let run = try scene.latest()
        for name in try FileManager.default.contentsOfDirectory(atPath: run.path) {
            let data = try Data(contentsOf: run.appendingPathComponent(name))
            #expect(data.range(of: Data(token.utf8)) == nil, "token found in \(name)")
        }
        #expect(result.stderr.contains("retry"), "the 503s should be retried and logged")
        await scene.stop()
    }

    @Test func aMissingLedgerIsExitTwoWithOneLineAndNoCall() async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments().map { $0.replacingOccurrences(of: "ledger.sqlite", with: "nope.sqlite") }
        let result = try await blocking { try CLI.run(args) }
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.hasPrefix("saba-recon: error: ledger file not found: ") && result.stderr.contains("nope.sqlite"))
        #expect(scene.server.requestCount == 0)
        #expect(!FileManager.default.fileExists(atPath: scene.out.appendingPathComponent("latest").path))
        await scene.stop()
    }

    @Test func aProviderFailureIsExitTwoNamingTheWindowAndLatestDoesNotMove() async throws {
        let good = try await Scene.start()
        let args = good.runArguments()
        _ = try await blocking { try CLI.run(args) }
        let before = try good.latest()
        await good.server.stop()
        // Same output folder, a sandbox that drops every body halfway.
        let bad = try await Scene.start(faults: SandboxFaults(truncateEvery: 1))
        let badArgs = bad.runArguments(["--max-attempts", "2", "--out", good.out.path])
        let result = try await blocking { try CLI.run(badArgs) }
        #expect(result.status == 2)
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("saba-recon: error: GetBetDetails window "))
        #expect(last.contains("isSettled=false") && last.contains("after 2 attempts"))
        #expect(try good.latest() == before)
        // The failed run keeps its evidence and says why.
        let runs = try FileManager.default.contentsOfDirectory(atPath: good.out.path).filter { RunFolder.isRunId($0) && $0 != before.lastPathComponent }
        #expect(runs.count == 1)
        let manifest = try JSONValue.parse(good.read("manifest.json", in: good.out.appendingPathComponent(runs[0])))
        #expect(manifest["outcome"] == .string("failed"))
        #expect(manifest["error"]?.stringValue?.contains("GetBetDetails window") == true)
        await bad.stop()
        await good.stop()
    }

    @Test(arguments: [
        (["--from", "2026-06-25"], "--from and --to go together"),
        (["--from", "2025-12-01", "--to", "2025-12-31"], "history limit"),
        (["--window", "2026-07-01"], "is not START..END"),
        (["--grace", "soon"], "config key grace (from flag --grace): 'soon' is not a duration"),
        (["--tolerance", "ten"], "config key tolerance (from flag --tolerance): 'ten' is not a tolerance ('ten' is not a non-negative decimal amount)"),
        (["--tolerance", "USD=0.01,USD=1"], "config key tolerance (from flag --tolerance): 'USD=0.01,USD=1' is not a tolerance (USD is given twice)"),
        (["--stake-basis", "gross"], "config key stake_basis (from flag --stake-basis): 'gross' is not one of actual, nominal"),
        (["--tolerance=-0.01"], "config key tolerance (from flag --tolerance): '-0.01' is not a tolerance ('-0.01' is not a non-negative decimal amount)"),
        (["--log-format", "xml"], "config key log_format (from flag --log-format): 'xml' is not one of text, json"),
        (["--bogus"], "Unknown option '--bogus'"),
    ])
    func badArgumentsAreExitTwoWithOneLine(extra: [String], message: String) async throws {
        var args = ["run", "--now", Scene.now, "--api-url", "http://127.0.0.1:9", "--ledger", "sqlite:/nonexistent", "--jwt-file", "/nonexistent"]
        if !extra.contains("--from") && !extra.contains("--window") { args += ["--from", "2026-07-01", "--to", "2026-07-02"] }
        args += extra
        let captured = args
        let result = try await blocking { try CLI.run(captured) }
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test func anExpiredTokenIsExitTwoBeforeAnyRequest() async throws {
        let scene = try await Scene.start()
        let expired = SandboxToken().make(vendorId: "sandbox-vendor", expiresAt: CLI.now().addingTimeInterval(-5))
        try Data(expired.utf8).write(to: URL(fileURLWithPath: scene.tokenPath))
        let args = scene.runArguments()
        let result = try await blocking { try CLI.run(args) }
        #expect(result.status == 2)
        #expect(result.stderr.contains("expired at"))
        #expect(!result.stderr.contains(expired))
        #expect(scene.server.requestCount == 0)
        await scene.stop()
    }

    @Test func helpAndVersionExitZero() async throws {
        let help = try await blocking { try CLI.run(["run", "--help"]) }
        #expect(help.status == 0)
        #expect(help.stdout.contains("--jwt-file") && help.stdout.contains("Exit status"))
        let version = try await blocking { try CLI.run(["--version"]) }
        #expect(version.status == 0)
    }

    /// daily.csv (SPEC 4): per currency the days add up exactly to summary.csv's control
    /// totals, in UTC and in an accounting zone of +08:00 (where some tickets change day).
    @Test(arguments: ["+00:00", "+08:00"])
    func dailyTotalsAddUpToTheControlTotals(accountingTz: String) async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments(["--accounting-tz", accountingTz])
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let totals = ["tickets", "provider_stake", "ledger_stake", "provider_net", "ledger_net"]
        let dailyTable = try CSVTable(parsing: scene.read("daily.csv"))
        #expect(dailyTable.rows.count > 20, "one row per day and currency")
        var sums: [String: [Money]] = [:]
        for row in dailyTable.rows {
            let currency = dailyTable.cell(row, "currency") ?? ""
            let parsed = totals.map { Money.parse(dailyTable.cell(row, $0) ?? "") ?? Money(micros: Int64.min) }
            sums[currency] = zip(sums[currency] ?? Array(repeating: .zero, count: 5), parsed).map { $0 + $1 }
        }
        let summary = try CSVTable(parsing: scene.read("summary.csv"))
        let controls = summary.rows.filter { summary.cell($0, "section") == "control" }
        #expect(!controls.isEmpty)
        for row in controls {
            let currency = summary.cell(row, "currency") ?? ""
            let expected = ["count", "provider_stake", "ledger_stake", "provider_net", "ledger_net"].map { Money.parse(summary.cell(row, $0) ?? "") ?? Money(micros: Int64.min) }
            #expect(sums[currency] == expected, "\(currency): days \(String(describing: sums[currency])) vs control \(expected)")
        }
        #expect(Set(sums.keys) == Set(controls.map { summary.cell($0, "currency") ?? "" }))
    }

    @Test func theDemoFindsEverySeededMistake() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-demo-\(UUID().uuidString)")
        let args = ["demo", "--out", folder.appendingPathComponent("Reports").path, "--work", folder.appendingPathComponent("demo").path,
                    "--now", Scene.now, "--tickets", "1500"]
        // The demo is saba-sandbox's: it runs the saba-recon built beside it as a process of its own,
        // with only the settings it chose (a bad grace or token from the shell would fail the run).
        let shell = ["SABA_RECON_GRACE": "soon", "SABA_JWT": "not-a-token", "SABA_RECON_CONFIG": "/nonexistent.yaml"]
        let result = try await blocking { try CLI.run(args, environment: shell, executable: CLI.sandboxExecutable) }
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("demo check passed"))
        #expect(result.stdout.contains("break book check passed"))
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite(.serialized) struct RefundEndToEndTests {
    @Test func refundRecordsGiveTheExpectedReports() async throws {
        let scene = try await Scene.start(ledger: .clean)
        // Refund files and their wallet movements, two days before now.
        let refunds = RefundFixture(base: Scene.nowDate.addingTimeInterval(-2 * 86_400)).make()
        let folder = scene.folder.appendingPathComponent("refunds")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, lines) in refunds.files {
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent(name))
        }
        // One file gzipped: folders hold both kinds.
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = [folder.appendingPathComponent("jdb.jsonl").path]
        try gzip.run()
        gzip.waitUntilExit()
        let clean = LedgerFixture(book: scene.book).cleanLedger()
        try SQLiteLedgerWriter.write(clean + refunds.ledger, to: scene.ledgerPath)
        let args = scene.runArguments(["--refunds", folder.path])
        let result = try await blocking { try CLI.run(args) }
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let run = try scene.latest()
        for name in ["discrepancies.csv", "summary.csv"] {
            let actual = Expected.normalise(try scene.read(name), runId: run.lastPathComponent)
                .replacingOccurrences(of: folder.path + "/", with: "REFUNDS/")
            try Expected.updateIfAsked("refunds-" + name, actual)
            #expect(actual == (try Expected.text("refunds-" + name)), "\(name) differs from Expected/refunds-\(name)")
        }
        let csv = try CSVTable(parsing: scene.read("discrepancies.csv"))
        // Every seeded row, and nothing else: the whole set of (kind, trans_id) is compared.
        let expected = Set(refunds.seeded.map { s in "\(s.kind.rawValue) \(s.kind == .malformedRecord ? folder.path + "/" + s.transId : s.transId)" })
        let reported = Set(csv.rows.map { "\(csv.cell($0, "kind") ?? "") \(csv.cell($0, "trans_id") ?? "")" })
        #expect(reported == expected, "missing: \(expected.subtracting(reported).sorted()); unexpected: \(reported.subtracting(expected).sorted())")
        let manifest = try JSONValue.parse(scene.read("manifest.json"))
        guard case .array(let inputs)? = manifest["inputs"] else { Issue.record("no inputs"); return }
        #expect(inputs.filter { $0["name"] == .string("refunds") }.count == 3)
        await scene.stop()
    }
}

@Suite(.serialized) struct PostgresEndToEndTests {
    /// The seeded scene's ledger, copied into PostgreSQL (numeric amounts, timestamptz times),
    /// must give exactly the reports the SQLite ledger gives.
    @Test func aPostgresLedgerGivesTheSameReportsAsSQLite() async throws {
        let pg = try TestPostgres.server()
        let scene = try await Scene.start()
        var entries: [LedgerEntry] = []
        try SQLiteLedgerSource(path: scene.ledgerPath).forEachEntry(provider: "saba", since: .distantPast) { entries.append($0) }
        let (url, name) = try pg.makeDatabase()
        var sql = ["CREATE TABLE wallet (entry_id text PRIMARY KEY, provider text NOT NULL, ticket_id text NOT NULL, member_id text, kind text, amount numeric(20,4), currency text, created_at timestamptz, ref text, event_id text, market_id text, specifiers text)"]
        func lit(_ s: String?) -> String { s.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL" }
        for chunk in stride(from: 0, to: entries.count, by: 500) {
            let values = entries[chunk..<min(chunk + 500, entries.count)].map { e in
                "(\(lit(e.entryId)), 'saba', \(lit(e.ticketId)), \(lit(e.memberId)), \(lit(e.kind)), \(Money.format(e.amount)), \(lit(e.currency)), \(lit(UTCTime.iso(e.createdAt))), \(lit(e.ref)), NULL, NULL, NULL)"
            }
            sql.append("INSERT INTO wallet VALUES " + values.joined(separator: ","))
        }
        try pg.psql(sql.joined(separator: ";\n"), database: name)
        let args = scene.runArguments().map { $0 == "sqlite:\(scene.ledgerPath)" ? url : $0 } + ["--ledger-table", "wallet"]
        let result = try await blocking { try CLI.run(args) }
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let run = try scene.latest()
        for name in ["discrepancies.csv", "summary.csv", "discrepancies.json"] {
            let actual = Expected.normalise(try scene.read(name), runId: run.lastPathComponent)
            #expect(actual == (try Expected.text(name)), "\(name) from PostgreSQL differs from Expected/\(name)")
        }
        await scene.stop()
    }
}

@Suite(.serialized) struct OperationsEndToEndTests {
    /// Starts the CLI without waiting, for kill and lock tests.
    /// Its stderr goes to `stderrTo` (a file, so a failure can say why) or nowhere.
    static func spawn(_ arguments: [String], stderrTo path: URL? = nil) throws -> Process {
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = arguments
        p.environment = CLI.environment([:])
        p.standardOutput = FileHandle.nullDevice
        if let path {
            FileManager.default.createFile(atPath: path.path, contents: nil)
            p.standardError = try FileHandle(forWritingTo: path)
        } else {
            p.standardError = FileHandle.nullDevice
        }
        try p.run()
        return p
    }

    /// Waits (bounded) until the sandbox has received `count` GetBetDetails requests.
    static func waitForRequests(_ scene: Scene, _ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for _ in 0..<600 where scene.server.requestCount < count { try await Task.sleep(for: .milliseconds(25)) }
        try #require(scene.server.requestCount >= count, "the sandbox got \(scene.server.requestCount) requests, waited for \(count)", sourceLocation: sourceLocation)
    }

    /// Waits (bounded) until the lock file names its holder: the holder has taken the lock.
    static func waitForLock(_ scene: Scene) async throws {
        let path = scene.out.appendingPathComponent(".saba-recon.lock").path
        for _ in 0..<600 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("pid") { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("nobody took the lock \(path)")
    }

    /// The calls a killed run committed, read from its run store.
    static func committed(_ scene: Scene, _ runId: String) throws -> Int {
        try RunStore.files(in: scene.out.appendingPathComponent(runId)).committedCalls().count
    }

    /// kill -9 while the sandbox holds request k unanswered, so exactly the calls before it
    /// are committed, and resume after each kill. The scene has six calls. [1]: killed before
    /// any call committed; [3]: with two committed; [6]: with five; [2, 5]: killed, resumed,
    /// killed again (the resumed run re-asks the cut call, so request 5 is its third).
    /// One call at a time (`--fetch-concurrency 1`), so each hold marks an exact phase.
    @Test(arguments: [[1], [3], [6], [2, 5]])
    func aRunKilledAtAnyPointResumesToTheSameReports(holds: [Int]) async throws {
        let scene = try await Scene.start(faults: SandboxFaults(holdRequests: Set(holds)))
        let process = try Self.spawn(scene.runArguments(["--fetch-concurrency", "1"]))
        try await Self.waitForRequests(scene, holds[0])
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let runs = try FileManager.default.contentsOfDirectory(atPath: scene.out.path).filter { RunFolder.isRunId($0) }
        try #require(runs.count == 1, "run folders: \(runs)")
        #expect(try Self.committed(scene, runs[0]) == holds[0] - 1, "the phase this case claims")
        #expect(!FileManager.default.fileExists(atPath: scene.out.appendingPathComponent("latest").path))
        // A different --edge-margin must not change the resumed run's record of its own.
        let resume = scene.resumeArguments(runs[0], ["--edge-margin", "5m", "--fetch-concurrency", "1"])
        for (k, hold) in holds.enumerated().dropFirst() {
            let again = try Self.spawn(resume)
            try await Self.waitForRequests(scene, hold)
            kill(again.processIdentifier, SIGKILL)
            again.waitUntilExit()
            // Every request answered so far committed, except the ones cut by a kill.
            #expect(try Self.committed(scene, runs[0]) == hold - 1 - k)
        }
        let result = try await blocking { try CLI.run(resume) }
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(try scene.latest().lastPathComponent == runs[0])
        // Committed calls are not fetched again: six calls in all, plus the one cut by each kill.
        #expect(scene.server.requestCount == 6 + holds.count, "\(scene.server.requestCount) requests")
        for name in ["discrepancies.csv", "summary.csv", "discrepancies.json"] {
            let actual = Expected.normalise(try scene.read(name), runId: runs[0])
            #expect(actual == (try Expected.text(name)), "\(name) after resume differs from an uninterrupted run")
        }
        let manifest = try JSONValue.parse(Array(scene.read("manifest.json").utf8))
        #expect(manifest["edge_margin_seconds"] == .number("120"), "\(String(describing: manifest["edge_margin_seconds"]))")
        await scene.stop()
    }

    /// kill -9 with calls in flight (the default four at once): the sandbox holds request 4,
    /// the others are answered and committed around it; the resume fetches only that call.
    /// (Requests 1-3 are the three windows' unsettled calls, each answered after 200 ms; a
    /// window's settled call is asked only once its unsettled call is in, so request 4 is a
    /// settled call, which no other call waits for.)
    @Test func aRunKilledWithCallsInFlightResumesFetchingOnlyThoseNotCommitted() async throws {
        let scene = try await Scene.start(faults: SandboxFaults(delayMilliseconds: 200, holdRequests: [4]))
        let process = try Self.spawn(scene.runArguments())
        try await Self.waitForRequests(scene, 6)
        var runs: [String] = []
        for _ in 0..<400 {
            runs = try FileManager.default.contentsOfDirectory(atPath: scene.out.path).filter { RunFolder.isRunId($0) }
            if runs.count == 1, (try? Self.committed(scene, runs[0])) == 5 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(runs.count == 1, "run folders: \(runs)")
        let runId = runs[0]
        #expect(try Self.committed(scene, runId) == 5, "every call but the held one committed")
        let result = try await blocking { [resume = scene.resumeArguments(runId)] in try CLI.run(resume) }
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(scene.server.requestCount == 7, "\(scene.server.requestCount) requests: six calls and the held one again")
        for name in ["discrepancies.csv", "summary.csv", "discrepancies.json"] {
            #expect(Expected.normalise(try scene.read(name), runId: runId) == (try Expected.text(name)), "\(name) after resume differs")
        }
        await scene.stop()
    }

    /// Saba's access limit (E009) on every third request, with calls in flight together:
    /// the same reports as one at a time, and no more attempts.
    @Test func theAccessLimitHoldsEveryCallAndChangesNothing() async throws {
        var requests: [Int] = []
        for concurrency in ["1", "4"] {
            let scene = try await Scene.start(faults: SandboxFaults(e009Every: 3, delayMilliseconds: 20))
            let result = try await blocking { [args = scene.runArguments(["--fetch-concurrency", concurrency])] in try CLI.run(args) }
            #expect(result.status == 1, "stderr: \(result.stderr)")
            for name in ["discrepancies.csv", "summary.csv", "discrepancies.json"] {
                let folder = try scene.latest()
                #expect(Expected.normalise(try scene.read(name), runId: folder.lastPathComponent) == (try Expected.text(name)), "\(name) at \(concurrency)")
            }
            requests.append(scene.server.requestCount)
            await scene.stop()
        }
        #expect(requests == [8, 8], "six calls and two refused: \(requests)")
    }

    @Test func aResumeIsRefusedWhileANightlyHoldsTheLock() async throws {
        // The first nightly takes the lock and waits at its first call until released.
        let scene = try await Scene.start(faults: SandboxFaults(holdRequests: [1]))
        let nightly = scene.nightlyArguments()
        let log = scene.folder.appendingPathComponent("nightly.stderr")
        let first = try Self.spawn(nightly, stderrTo: log)
        try await Self.waitForLock(scene)
        try await Self.waitForRequests(scene, 1)
        let runs = try FileManager.default.contentsOfDirectory(atPath: scene.out.path).filter { RunFolder.isRunId($0) }
        let resume = scene.resumeArguments(try #require(runs.first))
        let refused = try await blocking { try CLI.run(resume) }
        scene.server.releaseHeld()
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("another saba-recon run holds") && refused.stderr.contains("saba-recon nightly"), "stderr: \(refused.stderr)")
        first.waitUntilExit()
        #expect(first.terminationStatus == 1, "nightly: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        await scene.stop()
    }

    @Test func rediffMatchesAgainWithoutTheProvider() async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments()
        _ = try await blocking { try CLI.run(args) }
        let first = try scene.latest()
        await scene.server.stop()
        // The wallet team pays the missing payout; re-match without Saba (the sandbox is gone).
        let csv = try CSVTable(parsing: scene.read("discrepancies.csv"))
        let payoutRow = try #require(csv.rows.first { csv.cell($0, "kind") == "payout_missing" })
        let cell = { (name: String) in csv.cell(payoutRow, name) ?? "" }
        let (transId, member, owed) = (cell("trans_id"), cell("member_id"), Money.parse(cell("difference").replacingOccurrences(of: "-", with: "")) ?? 0)
        var entries: [LedgerEntry] = []
        try SQLiteLedgerSource(path: scene.ledgerPath).forEachEntry(provider: "saba", since: .distantPast) { entries.append($0) }
        entries.append(LedgerEntry(entryId: "fix-1", provider: "saba", ticketId: transId, memberId: member, kind: "settle", amount: owed,
                                   currency: cell("currency"), createdAt: UTCTime.parse("2026-07-20T11:00:00Z")!, ref: "fix"))
        try SQLiteLedgerWriter.write(entries, to: scene.ledgerPath)
        let rediff = ["rediff", first.lastPathComponent, "--ledger", "sqlite:\(scene.ledgerPath)", "--out", scene.out.path]
        let result = try await blocking { try CLI.run(rediff) }
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let second = try scene.latest()
        #expect(second != first)
        let after = try CSVTable(parsing: scene.read("discrepancies.csv"))
        #expect(!after.values("kind").contains("payout_missing"))
        #expect(after.rows.count == csv.rows.count - 1, "after: \(after.values("trans_id"))")
        let manifest = try JSONValue.parse(scene.read("manifest.json"))
        #expect(manifest["based_on"] == .string("rediff of \(first.lastPathComponent)"))
        await scene.stop()
    }

    @Test func aSecondNightlyExitsTwoWhileTheFirstHoldsTheLock() async throws {
        let scene = try await Scene.start(faults: SandboxFaults(holdRequests: [1]))
        let nightly = scene.nightlyArguments()
        let log = scene.folder.appendingPathComponent("nightly.stderr")
        let first = try Self.spawn(nightly, stderrTo: log)
        try await Self.waitForLock(scene)
        let second = try await blocking { try CLI.run(nightly) }
        scene.server.releaseHeld()
        #expect(second.status == 2)
        #expect(second.stderr.contains("another saba-recon run holds") && second.stderr.contains("since"), "stderr: \(second.stderr)")
        first.waitUntilExit()
        #expect(first.terminationStatus == 1, "nightly: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        // Once the first is done, the lock is free again.
        let third = try await blocking { try CLI.run(nightly) }
        #expect(third.status == 1, "stderr: \(third.stderr)")
        await scene.stop()
    }
}

