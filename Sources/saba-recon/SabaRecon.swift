import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// The root command. Exit status follows diff(1): 0 reconciled, 1 discrepancies, 2 failure.
struct SabaRecon: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "saba-recon",
        abstract: "Reconcile Saba sportsbook tickets against the operator's wallet ledger.",
        discussion: """
            Fetches every ticket of a range from Saba's GetBetDetails API (in windows of at most 30 days, both isSettled calls), compares each with the wallet ledger and writes CSV and JSON discrepancy reports to OUT/<run-id>/, moving OUT/latest when the run completes.

            Settings: flags, then environment variables, then a YAML config file (--config or SABA_RECON_CONFIG; example in Jobs/saba-recon.yaml), then defaults. `saba-recon config check` prints the effective settings with secrets redacted.

            Exit status: 0 = reconciled, no discrepancies; 1 = discrepancies reported; 2 = the run failed (bad arguments, token, provider or ledger error), with one line on stderr saying what and where.

            Start with `saba-sandbox demo` (built beside saba-recon; `bash scripts/demo` builds both): it runs this job against a Saba look-alike and a demo ledger.
            """,
        version: version,
        subcommands: [RunCommand.self, WorkerCommand.self, NightlyCommand.self, RediffCommand.self, ConfigCommand.self, PlanCommand.self, BreaksCommand.self]
    )
}

@main
enum Entry {
    static func main() async {
        ProcessHardening.apply()
        ProcessMemory.apply()
        SQLiteProcessSetup.configure()
        do {
            var command = try SabaRecon.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            exit(Self.report(error))
        }
        exit(0)
    }

    /// Prints one line for a failure and returns the exit status (help and --version exit 0).
    static func report(_ error: any Error) -> Int32 {
        let code = SabaRecon.exitCode(for: error)
        if code == .success {
            SabaRecon.exit(withError: error)
        }
        let message: String
        if error is ParsingFailure {
            message = error.localizedDescription
        } else if code == .validationFailure {
            message = SabaRecon.message(for: error) + " (see --help)"
        } else {
            message = String(describing: error)
        }
        let line = SecretText.escapeControls(message)
        FileHandle.standardError.write(Data("saba-recon: error: \(line)\n".utf8))
        return 2
    }
}

/// A failure of our own, already worded for the operator.
struct ParsingFailure: Error, CustomStringConvertible, LocalizedError {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
    var errorDescription: String? { message }
}
