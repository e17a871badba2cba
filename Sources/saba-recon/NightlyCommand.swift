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
        var instant = ProcessClock.current.now()
        if let now {
            guard let fixed = UTCTime.parse(now) else { throw ParsingFailure("--now '\(now)' is not an ISO 8601 time") }
            instant = fixed
        }
        let plan = try WindowPlanner().lastDays(days, now: instant)
        if job.check {
            job.printCheck(resolved, start: .fresh(plan, now: instant), note: "nightly: the last \(days) UTC day(s); lock \(URL(fileURLWithPath: resolved.out).path)/.saba-recon.lock")
            return
        }
        // Shared through PostgreSQL with --store: the nightly of these days is created or joined
        // there (a second nightly of the same days joins it); its publisher takes the lock.
        try job.perform(RunRequest(.nightly(plan, now: instant), commandLine: CommandLine.arguments), settings: resolved)
    }
}
