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
        let plan = try Self.plan(instant: instant, days: days)
        if job.check {
            job.printCheck(resolved, start: .fresh(plan, now: instant), note: "nightly: the last \(days) UTC day(s); lock \(outRoot.path)/.saba-recon.lock")
            return
        }
        if let storeURL = resolved.store {
            // Shared through PostgreSQL: the nightly of these days is created or joined there
            // (a second nightly of the same days joins it); its publisher takes the lock.
            let status = try job.runShared(resolved, storeURL: storeURL, start: .fresh(plan, now: instant), command: "nightly")
            if status != 0 { throw ExitCode(status) }
            return
        }
        let lock = try RunFolder.lock(outRoot, holder: "saba-recon nightly", now: Date())
        defer { withExtendedLifetime(lock) {} }
        // A nightly of the same days that was killed is resumed, not started again, unless its
        // windows no longer pass the checks (a day later its first window may be past Saba's history).
        var start: JobStart = .fresh(plan, now: instant)
        if let unfinished = RunFolder.unfinished(in: outRoot, range: plan.range), !RunStore.isLegacy(folder: unfinished.url),
           let record = try? unfinished.record(), (try? WindowPlanner().check(record.plan, realNow: Date())) != nil {
            start = .resume(runId: unfinished.runId)
        }
        let status = try job.execute(resolved, start: start, command: "nightly", commandLine: CommandLine.arguments)
        if status != 0 { throw ExitCode(status) }
    }

    /// Whole UTC days, today included; the first is clamped to the 180-day limit.
    static func plan(instant: Date, days: Int) throws -> WindowPlan {
        let range = try WindowPlanner.dayRange(from: UTCTime.day(instant.addingTimeInterval(-Double(days - 1) * 86_400)), to: UTCTime.day(instant))
        return try WindowPlanner().plan(range, now: instant, clamp: true)
    }
}
