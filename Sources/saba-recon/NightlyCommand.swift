import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// `saba-recon nightly`: the last N days, one at a time per output folder, resuming its own
/// unfinished run of the same range.
struct NightlyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Reconcile the last 180 days (or --days), holding a lock so two never run at once.",
        discussion: """
            Meant for cron, a systemd timer or a Kubernetes CronJob (see Jobs/): settings come from the config file (--config or SABA_RECON_CONFIG), the environment and flags, as for run.

            Holds an exclusive flock on OUT/.saba-recon.lock for the whole run: a second nightly (or a run --resume) exits 2 at once, saying who holds it since when. If the previous nightly of the same range was killed, it is resumed instead of started again. Exit status: 0 reconciled, 1 discrepancies reported, 2 failed.

            Example:
              saba-recon nightly --config /etc/saba-recon/saba-recon.yaml --check
              saba-recon nightly --config /etc/saba-recon/saba-recon.yaml
            """
    )

    @Option(help: JobOptions.help(.nightlyDays, "How many UTC days back, today included, up to Saba's 180.", value: "n")) var days: String?
    @Option(help: ArgumentHelp("Fix the clock (ISO 8601).", valueName: "time")) var now: String?
    @OptionGroup(title: "Provider, ledger and reports") var job: JobOptions

    func run() throws {
        let extra: [String: SettingValue] = days.map { [SettingKey.nightlyDays.name: .text($0)] } ?? [:]
        let resolved = try job.resolve(command: "nightly", environment: ProcessInfo.processInfo.environment, needsProvider: true, extraFlags: extra)
        let days = resolved.nightlyDays
        var instant = Date()
        if let now {
            guard let fixed = UTCTime.parse(now) else { throw ParsingFailure("--now '\(now)' is not an ISO 8601 time") }
            instant = fixed
        }
        let outRoot = URL(fileURLWithPath: resolved.out)
        if job.check {
            let range = try RangeOptions.parse(Self.rangeArguments(instant: instant, days: days, now: now))
            job.printCheck(resolved, plan: try range.plan(), note: "nightly: the last \(days) UTC day(s); lock \(outRoot.path)/.saba-recon.lock")
            return
        }
        let lock = try RunLock(folder: outRoot, holder: "saba-recon nightly", now: Date())
        defer { withExtendedLifetime(lock) {} }
        let args = Self.rangeArguments(instant: instant, days: days, now: now)
        let range = try RangeOptions.parse(args)
        let start: ReconcileOptions.Start = Self.unfinishedRun(in: outRoot, from: args[1], to: args[3]).map { .resume(runId: $0) } ?? .fresh
        let status = try job.execute(resolved, range: range, command: "nightly", commandLine: CommandLine.arguments, start: start)
        if status != 0 { throw ExitCode(status) }
    }

    /// Days are whole UTC days, today included; the first is clamped to the 180-day limit.
    static func rangeArguments(instant: Date, days: Int, now: String?) -> [String] {
        let from = UTCTime.day(instant.addingTimeInterval(-Double(days - 1) * 86_400))
        let to = UTCTime.day(instant)
        return ["--from", from, "--to", to, "--clamp", "--now", now ?? UTCTime.iso(instant)]
    }

    /// The newest run folder of this range that never finished (killed mid-run), if any.
    static func unfinishedRun(in root: URL, from: String, to: String) -> String? {
        guard let range = try? WindowPlanner.dayRange(from: from, to: to),
              let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return nil }
        for name in names.sorted(by: >) where name != "latest" && !name.hasPrefix(".") {
            let folder = root.appendingPathComponent(name)
            guard let record = try? RunRecord.read(from: folder), !record.finished else { continue }
            // Exactly the same days: a shorter hand-made run of the same end must not be taken over.
            if abs(record.range_end - range.end.timeIntervalSince1970) < 1 && abs(record.range_start - range.start.timeIntervalSince1970) < 1 {
                return name
            }
        }
        return nil
    }
}
