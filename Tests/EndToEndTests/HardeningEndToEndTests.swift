import Foundation
import TestSupport
import Testing
import SabaReconCore
import SabaReconIO
import SabaSandbox

/// SPEC 6 as an attacker or a careless operator would try it, against the built CLI: each
/// case ends in a bounded, clear, located outcome, never a trap or a silent "all clear".
@Suite(.serialized) struct HardeningEndToEndTests {
    func oneLine(_ result: CLIResult, contains text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 2, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func aGraceLongerThanADayIsRefused() async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments(["--grace", "2d"])
        let result = try await blocking { try CLI.run(args) }
        let absurd = scene.runArguments(["--grace", "3650d"])
        let ten = try await blocking { try CLI.run(absurd) }
        await scene.server.stop()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        oneLine(result, contains: "config key grace (from flag --grace): '2d' is longer than 1d")
        oneLine(ten, contains: "config key grace (from flag --grace): '3650d'")
        #expect(!FileManager.default.fileExists(atPath: scene.out.appendingPathComponent("latest").path))
    }

    @Test func aRunThatJudgesNothingIsNotGreen() async throws {
        let scene = try await Scene.start()
        // The clock at the start of the range: every ticket is younger than the grace period.
        let args = scene.runArguments().map { $0 == Scene.now ? "2026-06-25T00:10:00Z" : $0 }
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        oneLine(result, contains: "none judged")
        #expect(!FileManager.default.fileExists(atPath: scene.out.appendingPathComponent("latest").path), "latest must not point at an empty judgement")
        let runs = try FileManager.default.contentsOfDirectory(atPath: scene.out.path).filter { RunFolder.isRunId($0) }
        let run = try #require(runs.first)
        let manifest = try JSONValue.parse(String(contentsOf: scene.out.appendingPathComponent(run).appendingPathComponent("manifest.json"), encoding: .utf8))
        #expect(manifest["outcome"] == .string("nothing_judged"))
        #expect(manifest["exit_status"] == .number("2"))
    }

    @Test(arguments: [["--check"], []])
    func plainHTTPIsOnlyForLoopback(extra: [String]) async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments(extra).map { $0 == scene.server.baseURL ? "http://saba.example.com" : $0 }
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        oneLine(result, contains: "plain http:// to a host that is not loopback")
    }

    @Test func theLockFileIsNeverFollowedThroughALink() async throws {
        let scene = try await Scene.start()
        try FileManager.default.createDirectory(at: scene.out, withIntermediateDirectories: true)
        let victim = scene.folder.appendingPathComponent("precious.txt")
        try Data("keep me\n".utf8).write(to: victim)
        try FileManager.default.createSymbolicLink(atPath: scene.out.appendingPathComponent(".saba-recon.lock").path, withDestinationPath: victim.path)
        let args = scene.nightlyArguments()
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        oneLine(result, contains: "symbolic link")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep me\n")
    }

    @Test func whatTheRunWritesIsNotWorldReadable() async throws {
        let scene = try await Scene.start()
        let previous = umask(0o022)
        defer { umask(previous) }
        let args = scene.runArguments()
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let run = try scene.latest()
        func mode(_ url: URL) throws -> Int { try (FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(run) == 0o750)
        for name in try FileManager.default.contentsOfDirectory(atPath: run.path) {
            #expect(try mode(run.appendingPathComponent(name)) == 0o640, "\(name)")
        }
    }

    @Test(arguments: [["plan", "--from", "2026-07-01", "--to", "2026-07-02", "--now", "2026-07-20T00:00:00Z", "--edge-margin", "1e308d"],
                      ["plan", "--from", "2026-07-01", "--to", "2026-07-02", "--now", "2026-07-20T00:00:00Z", "--edge-margin", "401d"]])
    func anAbsurdDurationIsAnErrorNotATrap(args: [String]) async throws {
        let result = try await blocking { try CLI.run(args) }
        oneLine(result, contains: "--edge-margin")
    }

    @Test func aFetchTimeoutUnderASecondIsRefused() async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments(["--fetch-timeout", "0"])
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        oneLine(result, contains: "config key fetch_timeout (from flag --fetch-timeout): '0' is under one second")
    }

    @Test func anEditedRunJSONIsCheckedBeforeAnyCall() async throws {
        let scene = try await Scene.start(faults: SandboxFaults(failEvery: 2))
        // A run that fails part-way leaves an unfinished run.json.
        let first = try await blocking { try CLI.run(scene.runArguments(["--max-attempts", "1"])) }
        #expect(first.status == 2)
        let run = try #require(try FileManager.default.contentsOfDirectory(atPath: scene.out.path).first { RunFolder.isRunId($0) })
        let path = scene.out.appendingPathComponent(run).appendingPathComponent("run.json")
        var record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: path))
        // Someone widens its first window to 302 days.
        record.windows[0].end = record.windows[0].start.addingTimeInterval(302 * 86_400)
        try JSONEncoder().encode(record).write(to: path)
        let args = scene.resumeArguments(run)
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        oneLine(result, contains: "302d")
        oneLine(result, contains: "refusing to resume")
    }

    /// SPEC 6: a report that cannot be written (here EFBIG under a file-size limit) fails the
    /// run with one line; `latest` and the earlier run are untouched; the run can be resumed.
    @Test func aReportThatCannotBeWrittenFailsTheRunAndLeavesItResumable() async throws {
        let scene = try await Scene.start()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        let first = try await blocking { try CLI.run(scene.runArguments()) }
        #expect(first.status == 1, "stderr: \(first.stderr)")
        let earlier = try scene.latest()
        let earlierCSV = try Data(contentsOf: earlier.appendingPathComponent("discrepancies.csv"))
        // An empty wallet: every ticket is a row, so discrepancies.json (about 400 KB) is the
        // largest file the run writes; a 256 KB limit lets the run store and the CSV through.
        try SQLiteLedgerWriter.write([], to: scene.ledgerPath)
        let limited = try await blocking {
            try CLI.run(["--fsize=262144", "--", CLI.executable.path] + scene.runArguments(), executable: URL(fileURLWithPath: "/usr/bin/prlimit"))
        }
        oneLine(limited, contains: "discrepancies.json: File too large")
        #expect(try scene.latest() == earlier)
        #expect(try Data(contentsOf: earlier.appendingPathComponent("discrepancies.csv")) == earlierCSV)
        let failed = try #require(try FileManager.default.contentsOfDirectory(atPath: scene.out.path).filter { RunFolder.isRunId($0) }.first { $0 != earlier.lastPathComponent })
        let manifest = try JSONValue.parse(String(contentsOf: scene.out.appendingPathComponent(failed).appendingPathComponent("manifest.json"), encoding: .utf8))
        #expect(manifest["outcome"] == .string("failed"))
        // Space again: the same run completes, without fetching again.
        let resumed = try await blocking { try CLI.run(scene.resumeArguments(failed)) }
        await scene.server.stop()
        #expect(resumed.status == 1, "stderr: \(resumed.stderr)")
        #expect(try scene.latest().lastPathComponent == failed)
    }
}
