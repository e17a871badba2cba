import ArgumentParser
import Foundation
import Logging
import SabaReconCore
import SabaReconIO

/// `saba-recon run`: one reconciliation over a range.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Reconcile one range of Saba tickets against the wallet ledger.",
        discussion: """
            Settings come from flags, then environment variables, then the --config file (YAML), then defaults; `saba-recon config check` shows the result. The token comes from --jwt-file, SABA_JWT, jwt_file, or a POST /login with login.vendor_id; it is never logged or written to a report. The ledger is only read. Exit status: 0 reconciled, 1 discrepancies reported, 2 the run failed.

            Examples:
              saba-recon run --from 2026-07-01 --to 2026-07-31 \\
                --api-url https://saba.example --ledger sqlite:/srv/ledger.sqlite
              saba-recon run --window 2026-07-14T00:00:00..2026-07-15T00:00:00 \\
                --jwt-file /run/secrets/saba.jwt --api-url https://saba.example
            """
    )

    @OptionGroup(title: "Range") var range: RangeOptions
    @OptionGroup(title: "Provider, ledger and reports") var job: JobOptions

    @Option(help: ArgumentHelp("Continue a run that was killed, in its own folder, with its own windows and clock: finished windows are not fetched again. The range options are then not needed.", valueName: "run-id"))
    var resume: String?

    func run() throws {
        // The range is checked first: it is what an operator most often gets wrong.
        let fresh = resume == nil ? try range.fresh() : nil
        let resolved = try job.resolve(command: "run", environment: ProcessInfo.processInfo.environment, needsProvider: true)
        if job.check {
            job.printCheck(resolved, start: fresh, note: resume.map { "resume: run \($0) under \(resolved.out)" })
            return
        }
        guard let start = resume.map({ JobStart.resume(runId: $0) }) ?? fresh else {
            throw ParsingFailure("give --from and --to, --window, or --resume RUN_ID")
        }
        try job.perform(RunRequest(.run(start), commandLine: CommandLine.arguments), settings: resolved)
    }
}
