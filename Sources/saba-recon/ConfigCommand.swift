import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// `saba-recon config check`: what a run would use, and whether it is valid.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show and validate the effective settings.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Print the effective settings (secrets redacted) with where each came from, and validate them.",
            discussion: """
                Layers, strongest first: flags, environment variables (SABA_RECON_<KEY>, plus SABA_API_URL, SABA_LEDGER_URL, SABA_JWT and SABA_VENDOR_ID), the config file (--config or SABA_RECON_CONFIG), built-in defaults. Checks every value and that the files named exist, as run and nightly need them; nothing is fetched.

                Exit status: 0 valid; 2 invalid, with one line naming the key, where its value came from and what was expected.
                """
        )

        @Option(help: JobOptions.help(.nightlyDays, "As nightly's --days.", value: "n")) var days: String?
        @OptionGroup var job: JobOptions

        func run() throws {
            let extra: [String: SettingValue] = days.map { [SettingKey.nightlyDays.name: .text($0)] } ?? [:]
            let resolved = try job.resolve(command: "config", environment: ProcessInfo.processInfo.environment, needsProvider: true, extraFlags: extra)
            for line in resolved.describe() { print(line) }
            print("ok: settings are valid")
        }
    }
}
