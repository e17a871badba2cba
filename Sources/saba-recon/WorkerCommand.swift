import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// `saba-recon worker --store URL`: one of several processes sharing runs (SPEC §7).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Work on every unfinished run in a shared PostgreSQL store, then exit 0.",
        discussion: """
            Claims windows (FOR UPDATE SKIP LOCKED, with a lease renewed while it works), fetches them from Saba and stores their tickets with the window's done mark in one transaction. When a run's windows are all done, one worker reads the ledger, matches and writes OUT/<run-id>/ and moves OUT/latest, exactly as a single process would. Give it the same provider, ledger, refund and report settings as `run --store`, and an OUT every worker shares.

            Exit status: 0 when no unfinished run is left; 2 when this worker failed (a window Saba refused fails its run for every process).

            Example (three processes, one run):
              saba-recon run --from 2026-06-01 --to 2026-11-27 --store postgres://recon@db/recon ... &
              saba-recon worker --store postgres://recon@db/recon --wait 2m ... &
              saba-recon worker --store postgres://recon@db/recon --wait 2m ... &
            """
    )

    @OptionGroup(title: "Provider, ledger, reports and store") var job: JobOptions

    @Option(help: ArgumentHelp("When no run is open at start, wait up to this long for one to appear (workers may start before or with `run --store`).", valueName: "duration"))
    var wait: String = "0"

    func run() throws {
        guard let waitSeconds = DurationText.parse(wait), waitSeconds >= 0, waitSeconds <= 86_400 else {
            throw ParsingFailure("--wait '\(wait)' is not a duration from 0 to 24h")
        }
        let resolved = try job.resolve(command: "worker", environment: ProcessInfo.processInfo.environment, needsProvider: true)
        guard let storeURL = resolved.store else { throw ParsingFailure("worker needs --store postgres://... (or store: in the config file, or SABA_RECON_STORE)") }
        if job.check {
            job.printCheck(resolved, start: nil, note: "worker: runs in the store \(CommandLineRedactor.redactURLPassword(storeURL))")
            return
        }
        try job.perform(RunRequest(.worker(wait: waitSeconds), commandLine: CommandLine.arguments), settings: resolved)
    }
}
