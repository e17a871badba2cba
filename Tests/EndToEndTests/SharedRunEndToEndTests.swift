import Foundation
import SabaReconCore
import SabaReconIO
import SabaSandbox
import Testing
import TestSupport

/// A started CLI process whose output is collected on threads of its own.
final class RunningCLI: @unchecked Sendable {
    let process = Process()
    private var out = Data(), err = Data()
    private let done = DispatchGroup()

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.environment = CLI.environment(environment)
        let o = Pipe(), e = Pipe()
        process.standardOutput = o
        process.standardError = e
        try process.run()
        for (handle, isOut) in [(o.fileHandleForReading, true), (e.fileHandleForReading, false)] {
            done.enter()
            Thread.detachNewThread { [self] in
                let data = handle.readDataToEndOfFile()
                if isOut { out = data } else { err = data }
                done.leave()
            }
        }
    }

    var pid: Int32 { process.processIdentifier }

    func wait() -> CLIResult {
        process.waitUntilExit()
        done.wait()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }
}

/// Several processes, one run, through PostgreSQL (SPEC §7), against the sandbox with a delay
/// per call so that the processes really overlap.
@Suite(.serialized) struct SharedRunEndToEndTests {
    static func hostName() -> String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func storeURL(_ pg: TestPostgres) throws -> (url: String, name: String) {
        try pg.makeDatabase()
    }

    @Test func oneRunStoreAndTwoWorkersWriteTheSingleProcessReports() async throws {
        let pg = try TestPostgres.server()
        let (store, _) = try storeURL(pg)
        let scene = try await Scene.start(faults: SandboxFaults(delayMilliseconds: 300))
        let single = try await blocking { [args = scene.runArguments()] in try CLI.run(args) }
        #expect(single.status == 1, "\(single.stderr)")
        let first = try scene.latest()

        let shared = scene.folder.appendingPathComponent("Shared")
        let base = scene.runArguments().map { $0 == scene.out.path ? shared.path : $0 }
        let workerArgs = ["worker", "--api-url", scene.server.baseURL, "--ledger", "sqlite:\(scene.ledgerPath)", "--jwt-file", scene.tokenPath,
                          "--out", shared.path, "--store", store, "--wait", "30s", "--lease", "10s"]
        let results: [CLIResult] = try await blocking {
            let procs = [try RunningCLI(base + ["--store", store, "--lease", "10s"]), try RunningCLI(workerArgs), try RunningCLI(workerArgs)]
            return procs.map { $0.wait() }
        }
        #expect(results.map(\.status) == [1, 0, 0], "\(results.map(\.stderr))")
        #expect(results[0].stdout.hasPrefix("run ") && results[0].stdout.contains("reports: \(shared.path)/"))
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: shared.appendingPathComponent("latest").path)
        let second = shared.appendingPathComponent(target)
        for name in ["discrepancies.csv", "summary.csv", "daily.csv", "discrepancies.json", "report.html"] {
            let a = Expected.normalise(try scene.read(name, in: first), runId: first.lastPathComponent)
            let b = Expected.normalise(try scene.read(name, in: second), runId: second.lastPathComponent)
            #expect(a == b, "\(name) differs from the single process's")
        }
        let manifest = try JSONValue.parse(scene.read("manifest.json", in: second))
        guard case .array(let calls)? = manifest["shared_run"]?["calls"] else {
            Issue.record("manifest.json has no shared_run.calls")
            return
        }
        #expect(calls.count == 6)
        #expect(manifest["based_on"] == nil || manifest["based_on"] == .null)
        await scene.stop()
    }

    /// A process alone on its run publishes it with the ledger it read and the tickets it
    /// staged while fetching: the same reports as without the store, the ledger files in the
    /// run folder, nothing left in TMPDIR.
    @Test func aProcessAloneMatchesTheLedgerItReadWhileFetching() async throws {
        let pg = try TestPostgres.server()
        let (store, _) = try storeURL(pg)
        let scene = try await Scene.start(faults: SandboxFaults(delayMilliseconds: 100))
        let single = try await blocking { [args = scene.runArguments()] in try CLI.run(args) }
        #expect(single.status == 1, "\(single.stderr)")
        let first = try scene.latest()

        let shared = scene.folder.appendingPathComponent("Shared")
        let tmp = scene.folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let args = scene.runArguments().map { $0 == scene.out.path ? shared.path : $0 } + ["--store", store, "--log-level", "info"]
        let run = try await blocking { try CLI.run(args, environment: ["TMPDIR": tmp.path]) }
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("ledger: read while the calls were fetched"), "\(run.stderr)")
        #expect(run.stderr.contains("6 of 6 calls staged here moved in"), "\(run.stderr)")
        let second = shared.appendingPathComponent(try FileManager.default.destinationOfSymbolicLink(atPath: shared.appendingPathComponent("latest").path))
        for name in ["discrepancies.csv", "summary.csv", "daily.csv", "discrepancies.json"] {
            let a = Expected.normalise(try scene.read(name, in: first), runId: first.lastPathComponent)
            let b = Expected.normalise(try scene.read(name, in: second), runId: second.lastPathComponent)
            #expect(a == b, "\(name) differs from the single process's")
        }
        let manifest = try JSONValue.parse(scene.read("manifest.json", in: second))
        let singleManifest = try JSONValue.parse(scene.read("manifest.json", in: first))
        func ledgerDigest(_ m: JSONValue) -> JSONValue? {
            guard case .array(let inputs)? = m["inputs"] else { return nil }
            return inputs.first { $0["name"] == .string("ledger") }?["sha256"]
        }
        #expect(ledgerDigest(manifest) != nil && ledgerDigest(manifest) == ledgerDigest(singleManifest))
        for name in [RunStore.ledgerFile, "ledger.spool"] {
            #expect(FileManager.default.fileExists(atPath: second.appendingPathComponent(name).path), "\(name) not in the run folder")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("saba-recon-run") } == [])
        await scene.stop()
    }

    @Test func aKilledWorkersWindowIsTakenOverAfterTheLease() async throws {
        let pg = try TestPostgres.server()
        let (store, db) = try storeURL(pg)
        let scene = try await Scene.start(faults: SandboxFaults(delayMilliseconds: 2500))
        let out = scene.out.path
        let workerArgs = ["worker", "--api-url", scene.server.baseURL, "--ledger", "sqlite:\(scene.ledgerPath)", "--jwt-file", scene.tokenPath,
                          "--out", out, "--store", store, "--wait", "30s", "--lease", "5s"]
        let host = Self.hostName()
        let (run, victimClaimed): (CLIResult, Bool) = try await blocking {
            // One call at a time, so the victim holds exactly one window when it is killed.
            let victim = try RunningCLI(workerArgs + ["--fetch-concurrency", "1"])
            // Two calls in flight in the run: it takes two windows' unsettled calls, and the
            // third is left for the victim (a settled call waits for its unsettled one).
            let run = try RunningCLI(scene.runArguments(["--store", store, "--lease", "5s", "--fetch-concurrency", "2"]))
            // Kill the worker once it holds a window it has not finished.
            var claimed = false
            for _ in 0..<200 {
                let held = (try? pg.psqlValue("SELECT count(*) FROM saba_recon.calls WHERE claimed_by LIKE '\(host):\(victim.pid):%' AND NOT done", database: db)) ?? "0"
                if held == "1" { claimed = true; break }
                usleep(50_000)
            }
            kill(victim.pid, SIGKILL)
            _ = victim.wait()
            return (run.wait(), claimed)
        }
        #expect(victimClaimed, "the worker never held a window")
        #expect(run.status == 1, "\(run.stderr)")
        // The killed worker's window was claimed again and finished by the survivor.
        let retaken = try pg.psqlValue("SELECT count(*) FROM saba_recon.calls WHERE claims >= 2 AND done", database: db)
        #expect(retaken == "1")
        let csv = Expected.normalise(try scene.read("discrepancies.csv"), runId: try scene.latest().lastPathComponent)
        #expect(csv == (try Expected.text("discrepancies.csv")))
        await scene.stop()
    }

    @Test func twoRunStoreOfOneRangeMakeOneRun() async throws {
        let pg = try TestPostgres.server()
        let (store, db) = try storeURL(pg)
        let scene = try await Scene.start(faults: SandboxFaults(delayMilliseconds: 200))
        let args = scene.runArguments(["--store", store])
        let results: [CLIResult] = try await blocking {
            let procs = [try RunningCLI(args), try RunningCLI(args)]
            return procs.map { $0.wait() }
        }
        #expect(results.map(\.status) == [1, 1], "\(results.map(\.stderr))")
        #expect(results[0].stdout == results[1].stdout && results[0].stdout.hasPrefix("run "))
        #expect(try pg.psqlValue("SELECT count(*) FROM saba_recon.runs", database: db) == "1")
        await scene.stop()
    }
}
