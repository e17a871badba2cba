import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// `saba-recon rediff RUN_ID`: the manual re-run after a wallet fix, without calling Saba.
struct RediffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rediff",
        abstract: "Match a run's staged tickets against the ledger as it is now, into a new run folder, without calling Saba.",
        discussion: "Uses the old run's windows, clock and tickets (its run.sqlite); reads the ledger and refund records again. It judges with the old run's recorded settings (grace, tolerance, stake basis, accounting day, refunds, report switches); one given here as a flag (--grace 1h, --tolerance 0.01) replaces it, on purpose, and a setting from the config file or environment that differs is named on stderr and in the manifest. No JWT or API URL is needed."
    )

    @Argument(help: ArgumentHelp("The run to re-match (a folder name under --out, or latest).", valueName: "run-id"))
    var runId: String

    @OptionGroup(title: "Ledger and reports") var job: JobOptions

    func run() throws {
        let resolved = try job.resolve(command: "rediff", environment: ProcessInfo.processInfo.environment, needsProvider: false)
        if job.check {
            job.printCheck(resolved, start: nil, note: "rediff: run \(runId) under \(resolved.out)")
            return
        }
        try job.perform(RunRequest(.rediff(runId: runId), commandLine: CommandLine.arguments), settings: resolved)
    }
}
