import Foundation
import TestSupport
import Testing
import SabaReconCore
import SabaReconIO
import SabaSandbox

/// Each way a run can fail, end to end on the built CLI: exit 2, one line on stderr saying
/// what and where, `latest` not moved, and no secret anywhere (output, reports, manifest).
@Suite(.serialized) struct ErrorPathEndToEndTests {
    /// The scene's arguments without `--jwt-file` (for the SABA_JWT and login paths).
    func withoutJWTFile(_ args: [String]) -> [String] {
        var out: [String] = []
        var skip = false
        for a in args {
            if skip { skip = false; continue }
            if a == "--jwt-file" { skip = true; continue }
            out.append(a)
        }
        return out
    }

    /// No secret in what the run printed or wrote.
    func expectNoSecret(_ result: CLIResult, _ scene: Scene, _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for secret in secrets where !secret.isEmpty {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "a secret was printed", sourceLocation: sourceLocation)
            guard let walker = FileManager.default.enumerator(atPath: scene.out.path) else { continue }
            while let name = walker.nextObject() as? String {
                let data = (try? Data(contentsOf: scene.out.appendingPathComponent(name))) ?? Data()
                #expect(data.range(of: Data(secret.utf8)) == nil, "a secret was written to \(name)", sourceLocation: sourceLocation)
            }
        }
    }

    func expectFailed(_ result: CLIResult, _ scene: Scene, contains text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(result.status == 2, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n").filter { !$0.contains(" warning ") && !$0.contains(" notice ") }
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: scene.out.appendingPathComponent("latest").path), "latest moved", sourceLocation: sourceLocation)
        try expectNoSecret(result, scene, [scene.token] + scene.token.split(separator: ".").map(String.init).filter { $0.count >= 8 },
                           sourceLocation: sourceLocation)
    }

    @Test(arguments: [(429, "E429", "HTTP 429 E429 refused by the sandbox for token [REDACTED]"), (403, "E003", "HTTP 403 E003 refused by the sandbox for token [REDACTED]"),
                      (404, "E404", "HTTP 404 E404 refused by the sandbox for token [REDACTED]"), (400, "E004", "HTTP 400 E004 refused by the sandbox for token [REDACTED]")])
    func aProviderThatRefusesIsExitTwoNamingStatusAndErrorCode(status: Int, code: String, message: String) async throws {
        let scene = try await Scene.start(faults: SandboxFaults(answerStatus: status, answerErrorCode: code, echoToken: true))
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        // One call at a time: the request count is the retry rule's alone.
        let args = scene.runArguments(["--max-attempts", "2", "--fetch-concurrency", "1"])
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        try expectFailed(result, scene, contains: message)
        #expect(result.stderr.contains("window 2026-06-24T23:58:00Z..2026-06-25T00:00:00Z isSettled=false"), "stderr: \(result.stderr)")
        // 429 is retried (once, with --max-attempts 2); 400/403/404 are not.
        #expect(scene.server.requestCount == (status == 429 ? 2 : 1))
        if status == 429 { #expect(result.stderr.contains("after 2 attempts"), "stderr: \(result.stderr)") }
    }

    /// With calls in flight together (the default), a provider refusing them all is reported
    /// once, for the first window in the plan, and the others stop without more attempts.
    @Test func aRefusalWithCallsInFlightIsReportedOnceForTheFirstWindow() async throws {
        let scene = try await Scene.start(faults: SandboxFaults(answerStatus: 429, answerErrorCode: "E429", echoToken: true))
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        let args = scene.runArguments(["--max-attempts", "2"])
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        try expectFailed(result, scene, contains: "window 2026-06-24T23:58:00Z..2026-06-25T00:00:00Z isSettled=false: HTTP 429 E429")
        #expect(result.stderr.contains("after 2 attempts"), "stderr: \(result.stderr)")
        #expect(scene.server.requestCount <= 4 * 2, "\(scene.server.requestCount) requests")
    }

    @Test func aBodyCorruptMidStreamIsExitTwoAndNotRetried() async throws {
        let scene = try await Scene.start(faults: SandboxFaults(corruptEvery: 1))
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        let args = scene.runArguments(["--fetch-concurrency", "1"])
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        try expectFailed(result, scene, contains: "HTTP 200 malformed GetBetDetails body at byte")
        #expect(scene.server.requestCount == 1)
    }

    @Test func a503UntilTheAttemptsRunOutIsExitTwoNamingTheWindow() async throws {
        let scene = try await Scene.start(faults: SandboxFaults(failEvery: 1))
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        let args = scene.runArguments(["--max-attempts", "3", "--fetch-concurrency", "1"])
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        try expectFailed(result, scene, contains: "window 2026-06-24T23:58:00Z..2026-06-25T00:00:00Z isSettled=false: HTTP 503 E500 service temporarily unavailable (traceId sandbox-")
        #expect(result.stderr.contains("after 3 attempts"), "stderr: \(result.stderr)")
        #expect(scene.server.requestCount == 3)
    }

    @Test func aRefundPathThatDoesNotExistIsExitTwoBeforeAnyCall() async throws {
        let scene = try await Scene.start()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        let args = scene.runArguments(["--refunds", scene.folder.appendingPathComponent("no-such-folder").path])
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        try expectFailed(result, scene, contains: "refund records not found: \(scene.folder.path)/no-such-folder")
        #expect(scene.server.requestCount == 0)
    }

    @Test func anErrorBodyEchoingTheTokenNeverShowsIt() async throws {
        let scene = try await Scene.start(faults: SandboxFaults(answerStatus: 401, answerErrorCode: "E002", echoToken: true))
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        let args = scene.runArguments()
        let result = try await blocking { try CLI.run(args) }
        await scene.server.stop()
        try expectFailed(result, scene, contains: "HTTP 401 E002 refused by the sandbox for token [REDACTED]")
    }

    @Test func theTokenFromSABAJWTAloneIsUsedAndNeverShown() async throws {
        let scene = try await Scene.start()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        let args = withoutJWTFile(scene.runArguments(["--log-level", "debug"]))
        #expect(!args.contains("--jwt-file"))
        let result = try await blocking { try CLI.run(args, environment: ["SABA_JWT": scene.token]) }
        await scene.server.stop()
        #expect(result.status == 1, "stderr: \(result.stderr)")
        try expectNoSecret(result, scene, [scene.token])
    }

    @Test func theLoginTokenAndTheVendorIdAreNeverShown() async throws {
        let scene = try await Scene.start()
        defer { try? FileManager.default.removeItem(at: scene.folder) }
        let args = withoutJWTFile(scene.runArguments(["--log-level", "debug", "--vendor-member-id", "recon"]))
        let result = try await blocking { try CLI.run(args, environment: ["SABA_VENDOR_ID": "sandbox-vendor"]) }
        await scene.server.stop()
        #expect(result.status == 1, "stderr: \(result.stderr)")
        try expectNoSecret(result, scene, ["sandbox-vendor"])
        // The login's token is not known to the test: no JWT-shaped text appears anywhere.
        #expect(!result.stderr.contains("eyJ") && !result.stdout.contains("eyJ"))
        try expectNoSecret(result, scene, ["eyJ"])
    }
}
