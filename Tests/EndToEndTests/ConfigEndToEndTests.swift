import Foundation
import Testing
import TestSupport
import SabaReconCore
import SabaSandbox

/// Config file, environment and flags through the built CLI; metrics; logs; the Jobs/ files.
@Suite(.serialized) struct ConfigEndToEndTests {
    /// Every setting that has a flag is an option of every command that resolves settings
    /// (`--days` of nightly and config check only), as swift-argument-parser's own dump says.
    @Test func everySettingWithAFlagIsAnOptionOfItsCommands() throws {
        for command in [["run"], ["nightly"], ["rediff"], ["worker"], ["config", "check"]] {
            let dump = try CLI.run(command + ["--experimental-dump-help"])
            #expect(dump.status == 0, "\(dump.stderr)")
            guard case .array(let arguments)? = try JSONValue.parse(Array(dump.stdout.utf8))["command"]?["arguments"] else {
                Issue.record("\(command): no arguments in the help dump")
                continue
            }
            var options: Set<String> = []
            for argument in arguments {
                guard case .array(let names)? = argument["names"] else { continue }
                for name in names { if case .string(let n)? = name["name"], name["kind"] == .string("long") { options.insert("--" + n) } }
            }
            for key in SettingKey.all {
                guard let flag = key.flag else { continue }
                let expected = key == .nightlyDays ? (command == ["nightly"] || command == ["config", "check"]) : true
                #expect(options.contains(flag) == expected, "\(command.joined(separator: " ")): \(flag) (\(key.name))")
            }
        }
    }

    static func write(_ text: String, in folder: URL, as name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func configCheckLayersFlagsOverEnvironmentOverTheFileAndRedactsSecrets() async throws {
        let scene = try await Scene.start()
        let config = try Self.write("""
            api_url: \(scene.server.baseURL)
            grace: 30m
            tolerance: 0.05
            out: \(scene.out.path)
            ledger: postgres://recon:ledger-pw-secret@db.internal/wallet
            login:
              vendor_member_id: recon
            """, in: scene.folder, as: "saba-recon.yaml")
        let env = ["SABA_RECON_CONFIG": config, "SABA_RECON_GRACE": "45m", "SABA_VENDOR_ID": "vendor-id-secret",
                   "SABA_RECON_METRICS_DEADMAN_URL": "https://hc-ping.com/deadman-secret"]
        let result = try await blocking { try CLI.run(["config", "check", "--grace", "1h", "--max-attempts", "7"], environment: env) }
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") } ?? "" }
        #expect(line("grace").hasSuffix("= 1h  (flag --grace)"))
        #expect(line("max_attempts").hasSuffix("= 7  (flag --max-attempts)"))
        #expect(line("tolerance").hasSuffix("= 0.05  (\(config):3)"))
        #expect(line("api_version").hasSuffix("= v1  (default)"))
        #expect(line("login.vendor_id").hasSuffix("= [REDACTED]  (env SABA_VENDOR_ID)"))
        #expect(line("ledger").hasSuffix("= postgres://recon:[REDACTED]@db.internal/wallet  (\(config):5)"))
        #expect(line("metrics.deadman_url").hasSuffix("= https://hc-ping.com/[REDACTED]  (env SABA_RECON_METRICS_DEADMAN_URL)"))
        #expect(result.stdout.contains("token: POST \(scene.server.baseURL)/login as vendor_member_id 'recon'"))
        for secret in ["ledger-pw-secret", "vendor-id-secret", "deadman-secret"] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(secret) leaked")
        }
        // Without the flag, the environment wins over the file.
        let envOnly = try await blocking { try CLI.run(["config", "check"], environment: env) }
        #expect(envOnly.stdout.contains("= 45m  (env SABA_RECON_GRACE)"))
        await scene.stop()
    }

    @Test(arguments: [
        ("grace: 5m\ntolerence: 0.1\n", [:], ":2: unknown key 'tolerence'"),
        ("grace: soon\n", [:], "config key grace (from CONFIG:1): 'soon' is not a duration"),
        ("nightly:\n  days: 200\n", [:], "config key nightly.days (from CONFIG:2): '200' is out of range 1...180"),
        ("log_format: text\n", ["SABA_RECON_LOG_FORMAT": "yaml"], "config key log_format (from env SABA_RECON_LOG_FORMAT): 'yaml' is not one of text, json"),
        ("ledger: mysql://x@db/w\n", [:], "config key ledger (from CONFIG:1): 'mysql://x@db/w' is neither sqlite:PATH nor postgres://"),
        ("api_url: https://saba.example\n", ["SABA_JWT": ""], "config key jwt_file: no Saba token"),
    ] as [(String, [String: String], String)])
    func configCheckExitsTwoNamingTheBadKey(yaml: String, env: [String: String], message: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.write(yaml, in: folder, as: "c.yaml")
        var environment = ["SABA_API_URL": "https://saba.example", "SABA_JWT": SandboxToken().make(vendorId: "v", expiresAt: Date().addingTimeInterval(600))]
        for (k, v) in env { environment[k] = v }
        let captured = environment
        let result = try await blocking { try CLI.run(["config", "check", "--config", config], environment: captured) }
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(message.replacingOccurrences(of: "CONFIG", with: config)), "stderr: \(result.stderr)")
    }

    /// `config check` only looks; a run that fails on its settings is a failed night in the metrics.
    @Test func badSettingsFailARunIntoTheMetricsButNotConfigCheck() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let metrics = folder.appendingPathComponent("saba_recon.prom").path
        let config = try Self.write("grace: soon\nmetrics:\n  textfile: \(metrics)\n", in: folder, as: "c.yaml")
        let env = ["SABA_API_URL": "https://saba.example", "SABA_JWT": SandboxToken().make(vendorId: "v", expiresAt: Date().addingTimeInterval(600))]
        let check = try await blocking { try CLI.run(["config", "check", "--config", config], environment: env) }
        #expect(check.status == 2)
        #expect(!FileManager.default.fileExists(atPath: metrics))
        let dry = try await blocking { try CLI.run(["nightly", "--config", config, "--check"], environment: env) }
        #expect(dry.status == 2)
        #expect(!FileManager.default.fileExists(atPath: metrics))
        let nightly = try await blocking { try CLI.run(["nightly", "--config", config], environment: env) }
        #expect(nightly.status == 2)
        #expect(nightly.stderr.contains("config key grace"), "\(nightly.stderr)")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(sample(text, "saba_recon_last_run_success", ["command": "nightly"]) == 0)
        // A rediff needs no token: an unreadable token file is not what stops it.
        let rediff = try await blocking {
            try CLI.run(["rediff", "nope", "--jwt-file", "/nonexistent/jwt", "--out", folder.path, "--check"], environment: [:])
        }
        #expect(rediff.status == 0, "\(rediff.stderr)")
    }

    @Test func aRunLogsInWithTheConfiguredVendorAndWritesMetricsOnSuccessAndOnFailure() async throws {
        let scene = try await Scene.start()
        let metrics = scene.folder.appendingPathComponent("saba_recon.prom").path
        let config = try Self.write("""
            api_url: \(scene.server.baseURL)
            ledger: sqlite:\(scene.ledgerPath)
            out: \(scene.out.path)
            metrics:
              textfile: \(metrics)
            """, in: scene.folder, as: "saba-recon.yaml")
        let env = ["SABA_VENDOR_ID": "sandbox-vendor"]
        let run = ["run", "--config", config, "--from", Scene.from, "--to", Scene.to, "--now", Scene.now]
        let ok = try await blocking { try CLI.run(run, environment: env) }
        #expect(ok.status == 1, "stderr: \(ok.stderr)")
        // Logged in, not a token file: the same reports as the JWT-file run.
        let runId = try scene.latest().lastPathComponent
        #expect(Expected.normalise(try scene.read("discrepancies.csv"), runId: runId) == (try Expected.text("discrepancies.csv")))
        #expect(!(try scene.read("manifest.json")).contains("sandbox-vendor"))
        let first = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(sample(first, "saba_recon_last_run_success") == 1)
        #expect(sample(first, "saba_recon_last_run_exit_status") == 1)
        #expect(sample(first, "saba_recon_requests") == 6)
        guard case .array(let windows)? = try JSONValue.parse(Array(scene.read("manifest.json").utf8))["windows"] else { Issue.record("no windows"); return }
        let fetched = windows.compactMap { $0["tickets"].flatMap { if case .number(let n) = $0 { Double(n) } else { nil } } }.reduce(0, +)
        #expect(fetched > 0 && sample(first, "saba_recon_tickets_fetched") == fetched)
        let rows = try scene.read("discrepancies.csv").components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }.count
        #expect(sample(first, "saba_recon_discrepancies_total") == Double(rows))
        #expect(sample(first, "saba_recon_discrepancies", ["kind": "payout_missing"]) != nil)
        let success = try #require(sample(first, "saba_recon_last_success_timestamp_seconds"))

        // The ledger disappears: exit 2, and the metrics say so but keep the last success.
        try FileManager.default.removeItem(atPath: scene.ledgerPath)
        let failed = try await blocking { try CLI.run(run, environment: env) }
        #expect(failed.status == 2)
        let second = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(sample(second, "saba_recon_last_run_success") == 0)
        #expect(sample(second, "saba_recon_last_run_exit_status") == 2)
        #expect(sample(second, "saba_recon_last_success_timestamp_seconds") == success)
        #expect(sample(second, "saba_recon_discrepancies_total") == nil)
        await scene.stop()
    }

    @Test func jsonLogsAreOneObjectPerLineAndShowNoProgressLine() async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments(["--log-format", "json", "--log-level", "info", "--progress", "auto"])
        let result = try await blocking { try CLI.run(args) }
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count >= 7, "stderr: \(result.stderr)")
        for line in lines {
            let value = try JSONValue.parse(Array(line.utf8))
            #expect(value["level"] != nil && value["message"] != nil && value["time"] != nil, "\(line)")
        }
        #expect(result.stderr.contains("isSettled=true"))
        #expect(!result.stderr.contains("\r"), "no progress line off a terminal")
        #expect(!result.stderr.contains(scene.token))
        await scene.stop()
    }

    @Test func progressAlwaysDrawsWindowTicketsRateAndETA() async throws {
        let scene = try await Scene.start()
        let args = scene.runArguments(["--progress", "always"])
        let result = try await blocking { try CLI.run(args) }
        #expect(result.status == 1)
        let frames = result.stderr.components(separatedBy: "\r\u{1B}[K").filter { !$0.isEmpty }
        let last = try #require(frames.last).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(last.hasPrefix("window 3/3 · "), "\(last)")
        #expect(last.contains(" tickets · ") && last.contains(" MB/s · ETA "), "\(last)")
        await scene.stop()
    }

    /// Every saba-recon command line shipped in Jobs/ parses and validates with the CLI
    /// (`--check`), with the example config and the environment the files document.
    @Test func theJobsCommandLinesParseWithTheCLI() async throws {
        let jobs = CLI.packageRoot.appendingPathComponent("Jobs")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let jwt = try Self.write(SandboxToken().make(vendorId: "sandbox-vendor", expiresAt: Date().addingTimeInterval(3600)), in: folder, as: "jwt")
        let config = jobs.appendingPathComponent("saba-recon.yaml").path
        // The documented paths, pointed at this test's files.
        func localise(_ args: [String]) -> [String] {
            args.map {
                $0.replacingOccurrences(of: "/etc/saba-recon/saba-recon.yaml", with: config)
                    .replacingOccurrences(of: "/etc/saba-recon/config/saba-recon.yaml", with: config)
                    .replacingOccurrences(of: "/etc/saba-recon/jwt/jwt", with: jwt)
                    .replacingOccurrences(of: "/etc/saba-recon/jwt", with: jwt)
            }
        }
        let env = ["SABA_VENDOR_ID": "sandbox-vendor", "SABA_API_URL": "http://127.0.0.1:8080",
                   "SABA_LEDGER_URL": "sqlite:/var/lib/saba-recon/ledger.sqlite",
                   // The worker unit's store comes from its environment file.
                   "SABA_RECON_STORE": "postgres://saba_recon_store@db.internal/recon?sslmode=verify-full"]
        var lines: [(String, [String])] = []

        let cron = try String(contentsOf: jobs.appendingPathComponent("saba-recon.cron"), encoding: .utf8)
        for line in cron.split(separator: "\n") where line.contains("/saba-recon nightly") {
            let command = line.components(separatedBy: "/usr/local/bin/saba-recon ")[1].components(separatedBy: " 2>&1")[0]
            lines.append(("saba-recon.cron", command.split(separator: " ").map(String.init)))
        }
        let service = try String(contentsOf: jobs.appendingPathComponent("saba-recon.service"), encoding: .utf8)
        for line in service.split(separator: "\n") where line.hasPrefix("ExecStart") {
            let command = line.components(separatedBy: "/usr/local/bin/saba-recon ")[1]
            lines.append(("saba-recon.service \(line.prefix { $0 != "=" })", command.split(separator: " ").map(String.init)))
        }
        let cronjob = try String(contentsOf: jobs.appendingPathComponent("cronjob.yaml"), encoding: .utf8)
        var args: [String] = []
        var inArgs = false
        for line in cronjob.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "args:" { inArgs = true; continue }
            if inArgs, trimmed.hasPrefix("- ") { args.append(String(trimmed.dropFirst(2))); continue }
            if inArgs, !trimmed.hasPrefix("#") { inArgs = false }
        }
        lines.append(("cronjob.yaml", args))
        #expect(args.first == "nightly")
        // Several workers: the systemd template and both commands of the Indexed Job.
        let workerUnit = try String(contentsOf: jobs.appendingPathComponent("saba-recon-worker@.service"), encoding: .utf8)
        for line in workerUnit.split(separator: "\n") where line.hasPrefix("ExecStart") {
            lines.append(("saba-recon-worker@.service", line.components(separatedBy: "/usr/local/bin/saba-recon ")[1].split(separator: " ").map(String.init)))
        }
        let indexed = try String(contentsOf: jobs.appendingPathComponent("indexed-job.yaml"), encoding: .utf8)
        for line in indexed.split(separator: "\n") where line.contains("exec saba-recon ") {
            lines.append(("indexed-job.yaml", line.components(separatedBy: "exec saba-recon ")[1].split(separator: " ").map(String.init)))
        }
        #expect(lines.count == 6, "\(lines.map(\.0))")
        #expect(lines.filter { $0.0 == "indexed-job.yaml" }.map { $0.1.first } == ["nightly", "worker"])

        for (file, arguments) in lines {
            let local = localise(arguments).filter { $0 != "--check" } + ["--check"]
            let result = try await blocking { try CLI.run(local, environment: env) }
            #expect(result.status == 0, "\(file): saba-recon \(local.joined(separator: " ")) -> \(result.stderr)")
            #expect(result.stdout.contains("ok: settings are valid"), "\(file): \(result.stdout)")
        }

        // The cron wrapper, with its env file, passes --check through to saba-recon.
        let envFile = try Self.write("# test\nSABA_VENDOR_ID=sandbox-vendor\nSABA_API_URL=\"http://127.0.0.1:8080\"\n", in: folder, as: "env")
        let wrapper = try await blocking {
            try CLI.run(["-c", "exec \"$0\" \"$@\"", jobs.appendingPathComponent("nightly-run.sh").path, "--check"],
                        environment: ["SABA_RECON_ENV": envFile, "SABA_RECON_JWT_FILE": jwt, "SABA_RECON_CONFIG": config,
                                      "SABA_RECON_BIN": CLI.executable.path], executable: URL(fileURLWithPath: "/bin/bash"))
        }
        #expect(wrapper.status == 0, "nightly-run.sh: \(wrapper.stderr) \(wrapper.stdout)")
        // Off a terminal the wrapper sends saba-recon's lines to syslog only; a bad setting would be exit 2.
    }
}
