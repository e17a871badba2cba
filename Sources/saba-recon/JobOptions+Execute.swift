import ArgumentParser
import Foundation
import Logging
import SabaReconCore
import SabaReconIO

extension JobOptions {
    /// The effective, checked settings. A run that fails here still updates the metrics file and
    /// pings the dead-man's switch's fail URL (when they can be read), so a broken config shows up
    /// as a failed night. `config check` and `--check` only look: they touch neither.
    func resolve(command: String, environment: [String: String], needsProvider: Bool,
                 extraFlags: [String: SettingValue] = [:], transport: any HTTPTransport = CurlTransport()) throws -> JobSettings {
        // A config file that cannot be read names no metrics file or monitor: nothing to tell.
        let settings = try settings(environment: environment, extraFlags: extraFlags)
        do {
            return try JobSettings(settings, environment: environment, needsProvider: needsProvider)
        } catch {
            if !check, command != "config" {
                let clock = ProcessClock.current
                RunObservers(unresolved: settings, transport: transport, clock: clock, logger: Logger(label: "saba-recon"))
                    .failed(error, metrics: RunMetrics(command: command, startedAt: clock.now()))
            }
            throw error
        }
    }

    /// `--check`: the effective settings and what the run would do, then exit 0.
    func printCheck(_ job: JobSettings, start: JobStart?, note: String? = nil) {
        for line in job.describe() { print(line) }
        if case .fresh(let plan, _)? = start {
            print("range: \(UTCTime.iso(plan.range.start))..\(UTCTime.iso(plan.range.end)), \(plan.windows.count) window(s)\(plan.clamped ? " (clamped to the 180-day limit)" : "")")
        }
        if let note { print(note) }
        print("ok: settings are valid (nothing was fetched)")
    }

    /// Hands the request to the run's owner and exits as it says: 0 reconciled, 1
    /// discrepancies (thrown as an exit code), 2 failed (thrown).
    func perform(_ request: RunRequest, settings job: JobSettings) throws {
        LogSetup.bootstrap(level: job.logLevel, json: job.logJSON)
        var logger = Logger(label: "saba-recon")
        logger.logLevel = job.logLevel
        let showProgress = job.progress == .always || (job.progress == .auto && !job.logJSON && TerminalLine.standardError.isTerminal)
        let coordinator = RunCoordinator(settings: job, transport: CurlTransport(), clock: ProcessClock.current, logger: logger,
                                         progress: showProgress ? ProgressLine(terminal: .standardError) : nil,
                                         toolVersion: SabaRecon.version, say: { print($0) })
        let status = try coordinator.run(request)
        if status != 0 { throw ExitCode(status) }
    }
}
