import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// `saba-recon rediff RUN_ID`: the manual re-run after a wallet fix, without calling Saba.
struct RediffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rediff",
        abstract: "Match a run's staged tickets against the ledger as it is now, into a new run folder, without calling Saba.",
        discussion: "Uses the old run's windows, clock and tickets (its run.sqlite); reads the ledger and refund records again; --grace and --tolerance may differ. No JWT or API URL is needed."
    )

    @Argument(help: ArgumentHelp("The run to re-match (a folder name under --out, or latest).", valueName: "run-id"))
    var runId: String

    @OptionGroup(title: "Ledger and reports") var job: JobOptions

    func run() throws {
        let range = try RangeOptions.parse([])
        let status = try job.execute(range: range, commandLine: CommandLine.arguments, start: .rediff(runId: runId))
        if status != 0 { throw ExitCode(status) }
    }
}

/// `saba-recon nightly`: the last N days, one at a time per output folder, resuming its own
/// unfinished run of the same range.
struct NightlyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Reconcile the last 180 days (or --days), holding a lock so two never run at once.",
        discussion: "Holds an exclusive flock on OUT/.saba-recon.lock for the whole run: a second nightly exits 2 at once, saying who holds it since when. If the previous nightly of the same range was killed, it is resumed instead of started again."
    )

    @Option(help: "How many days back, up to Saba's 180.") var days = 180
    @Option(help: ArgumentHelp("Fix the clock (ISO 8601).", valueName: "time")) var now: String?
    @OptionGroup(title: "Provider, ledger and reports") var job: JobOptions

    func run() throws {
        guard (1...180).contains(days) else { throw ParsingFailure("--days must be 1 to 180") }
        var instant = Date()
        if let now {
            guard let fixed = UTCTime.parse(now) else { throw ParsingFailure("--now '\(now)' is not an ISO 8601 time") }
            instant = fixed
        }
        let outRoot = URL(fileURLWithPath: job.out)
        let lock = try RunLock(folder: outRoot, holder: "saba-recon nightly", now: Date())
        defer { withExtendedLifetime(lock) {} }
        // Days are whole UTC days, today included; the first is clamped to the 180-day limit.
        let from = UTCTime.day(instant.addingTimeInterval(-Double(days - 1) * 86_400))
        let to = UTCTime.day(instant)
        var args = ["--from", from, "--to", to, "--clamp"]
        if let now { args += ["--now", now] } else { args += ["--now", UTCTime.iso(instant)] }
        let range = try RangeOptions.parse(args)
        let start: ReconcileOptions.Start = Self.unfinishedRun(in: outRoot, from: from, to: to).map { .resume(runId: $0) } ?? .fresh
        let status = try job.execute(range: range, commandLine: CommandLine.arguments, start: start)
        if status != 0 { throw ExitCode(status) }
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
