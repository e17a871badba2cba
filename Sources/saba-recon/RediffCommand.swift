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
        let resolved = try job.resolve(command: "rediff", environment: ProcessInfo.processInfo.environment, needsProvider: false)
        if job.check {
            job.printCheck(resolved, start: nil, note: "rediff: run \(runId) under \(resolved.out)")
            return
        }
        let status = try job.execute(resolved, start: .rediff(runId: runId), command: "rediff", commandLine: CommandLine.arguments)
        if status != 0 { throw ExitCode(status) }
    }
}
