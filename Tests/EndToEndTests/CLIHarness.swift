import Foundation
import Testing
import TestSupport
import SabaReconCore
import SabaReconIO
import SabaSandbox

/// Runs a built executable (`saba-recon` unless told) as an operator would and captures everything.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `saba-recon` executable.
    static var executable: URL { built("saba-recon") }

    /// The `saba-sandbox` executable (serve and demo); its demo runs the `saba-recon` beside it.
    static var sandboxExecutable: URL { built("saba-sandbox") }

    /// A built product next to the test bundle, else in the package's debug build.
    static func built(_ name: String) -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name),
            Bundle.main.bundleURL.appendingPathComponent(name),
            packageRoot.appendingPathComponent(".build/debug/\(name)"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }

    /// Where the built CLI's clock stands when this test process starts: the end-to-end scenes
    /// are dated in July 2026, and a resume checks Saba's 180-day history against the clock, so
    /// on the real clock they would fail from mid-December 2026 with no change to the code.
    static let clockStart = UTCTime.parse("2026-12-01T00:00:00Z")!
    /// The same offset for every process the tests start, so their times keep real order.
    static let clockOffset = clockStart.timeIntervalSince(Date())

    /// The built CLI's clock (debug builds read `SABA_RECON_TEST_CLOCK_OFFSET`): a token that
    /// should be expired to it is stamped on this clock, not the machine's.
    static func now() -> Date { Date().addingTimeInterval(clockOffset) }

    /// The environment of a started CLI: only the test's own settings (nothing of the
    /// developer's shell leaks in) and the shared clock offset.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("SABA_") && !key.hasPrefix("PG")
        }
        env["SABA_RECON_TEST_CLOCK_OFFSET"] = String(clockOffset)
        for (k, v) in extra { env[k] = v }
        return env
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], executable: URL = CLI.executable) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = Self.environment(environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a chatty run cannot fill the pipe and stall.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// One end-to-end scene: a sandbox on loopback, a ledger file, a token file, an output folder.
struct Scene {
    static let now = "2026-07-20T12:00:00Z"
    static let nowDate = UTCTime.parse(now)!
    static let from = "2026-06-25"
    static let to = "2026-07-20"

    let server: SandboxServer
    let book: SandboxBook
    let folder: URL
    let token: String
    let seeded: [LedgerFixture.Seeded]

    var ledgerPath: String { folder.appendingPathComponent("ledger.sqlite").path }
    var tokenPath: String { folder.appendingPathComponent("saba.jwt").path }
    var out: URL { folder.appendingPathComponent("Reports") }

    enum LedgerKind { case seeded, clean }

    static func start(ledger: LedgerKind = .seeded, faults: SandboxFaults = .none) async throws -> Scene {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The clean scene has no undocumented statuses: those are discrepancies whatever the ledger says.
        let book = SandboxBook(seed: 11, count: 800, spanStart: nowDate.addingTimeInterval(-30 * 86_400), spanEnd: nowDate.addingTimeInterval(-300),
                               unknownStatusEvery: ledger == .seeded ? 397 : 0)
        let fixture = LedgerFixture(book: book)
        let judged = try WindowPlanner.dayRange(from: from, to: to)
        let entries: [LedgerEntry]
        let seeded: [LedgerFixture.Seeded]
        if ledger == .seeded {
            let f = fixture.seededLedger(judged: judged, settledBefore: nowDate.addingTimeInterval(-900))
            (entries, seeded) = (f.entries, f.seeded)
        } else {
            (entries, seeded) = (fixture.cleanLedger(), [])
        }
        try SQLiteLedgerWriter.write(entries, to: folder.appendingPathComponent("ledger.sqlite").path)
        let tokens = SandboxToken()
        let token = tokens.make(vendorId: "sandbox-vendor", expiresAt: Date().addingTimeInterval(3600))
        try Data(token.utf8).write(to: folder.appendingPathComponent("saba.jwt"))
        let server = SandboxServer(config: SandboxConfig(book: book, tokens: tokens, faults: faults, now: { nowDate }))
        _ = try await server.start()
        return Scene(server: server, book: book, folder: folder, token: token, seeded: seeded)
    }

    func runArguments(_ extra: [String] = []) -> [String] {
        ["run", "--from", Self.from, "--to", Self.to, "--now", Self.now, "--api-url", server.baseURL,
         "--ledger", "sqlite:\(ledgerPath)", "--jwt-file", tokenPath, "--out", out.path] + extra
    }

    /// `run --resume RUN_ID` with the scene's provider, ledger and report root.
    func resumeArguments(_ runId: String, _ extra: [String] = []) -> [String] {
        runArguments().filter { !["--from", "--to", Self.from, Self.to].contains($0) } + ["--resume", runId] + extra
    }

    /// `nightly` over the last 30 days of the scene's clock.
    func nightlyArguments() -> [String] {
        ["nightly", "--days", "30", "--now", Self.now, "--api-url", server.baseURL,
         "--ledger", "sqlite:\(ledgerPath)", "--jwt-file", tokenPath, "--out", out.path]
    }

    func latest() throws -> URL {
        out.appendingPathComponent(try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("latest").path))
    }

    func read(_ name: String, in run: URL? = nil) throws -> String {
        try String(contentsOf: (run ?? latest()).appendingPathComponent(name), encoding: .utf8)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}


/// Compares a whole report with `Expected/<name>`. `SABA_RECON_UPDATE_EXPECTED=1` is record
/// mode, as snapshot libraries have it: the file is rewritten and the test fails, so a run
/// that rewrote expectations can never be green; review `git diff` and run again. Refused
/// under `CI`.
enum Expected {
    static let folder = CLI.packageRoot.appendingPathComponent("Tests/EndToEndTests/Expected")

    static func normalise(_ text: String, runId: String) -> String {
        text.replacingOccurrences(of: runId, with: "RUN_ID")
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    static func updateIfAsked(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let environment = ProcessInfo.processInfo.environment
        guard environment["SABA_RECON_UPDATE_EXPECTED"] == "1" else { return }
        if let ci = environment["CI"], !ci.isEmpty, ci != "false" {
            Issue.record("SABA_RECON_UPDATE_EXPECTED=1 is refused under CI: expected files are reviewed changes, not CI output", sourceLocation: sourceLocation)
            return
        }
        try Data(actual.utf8).write(to: folder.appendingPathComponent(name))
        Issue.record("expected files updated (Expected/\(name)); review the diff and run again", sourceLocation: sourceLocation)
    }
}
