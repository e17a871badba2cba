import Foundation
import Logging
import SabaReconCore

/// Who hears how an invocation ended: the Prometheus textfile and the dead-man's switch.
/// Every ending goes through here, once, failures included (a fetch failure under `--store`
/// as much as a refused config), so a broken night shows up as a failed night.
public struct RunObservers: Sendable {
    public var metricsFile: String?
    public var deadman: DeadMansSwitch?
    public var clock: any WallClock
    public var logger: Logger

    public init(metricsFile: String?, deadman: DeadMansSwitch?, clock: any WallClock, logger: Logger) {
        self.metricsFile = metricsFile
        self.deadman = deadman
        self.clock = clock
        self.logger = logger
    }

    public init(_ settings: JobSettings, transport: any HTTPTransport, clock: any WallClock, logger: Logger) {
        self.init(metricsFile: settings.metricsFile, deadman: settings.deadmanURL.map { DeadMansSwitch(url: $0, transport: transport, logger: logger) },
                  clock: clock, logger: logger)
    }

    /// For settings that did not resolve: whatever of the metrics file and monitor can be read.
    public init(unresolved settings: Settings, transport: any HTTPTransport, clock: any WallClock, logger: Logger) {
        self.init(metricsFile: settings.text(.metricsFile),
                  deadman: (try? settings.url(.deadmanURL, allowHTTP: true)).flatMap { $0 }.map { DeadMansSwitch(url: $0, transport: transport, logger: logger) },
                  clock: clock, logger: logger)
    }

    public func started(_ command: String) {
        deadman?.ping(.start, message: "saba-recon \(command) starting")
    }

    /// A completed invocation (exit 0 or 1, or a worker with nothing left).
    public func finished(_ metrics: RunMetrics, message: String) {
        write(metrics)
        deadman?.ping(.success, message: message)
    }

    /// A failed invocation: exit status 2 in the metrics file, and the fail ping.
    public func failed(_ error: any Error, metrics: RunMetrics) {
        var failed = metrics
        failed.exitStatus = 2
        if failed.finishedAt == nil { failed.finishedAt = clock.now() }
        write(failed)
        deadman?.ping(.fail, message: "saba-recon \(metrics.command) failed: \(error)")
    }

    func write(_ metrics: RunMetrics) {
        guard let metricsFile else { return }
        do {
            try MetricsTextfile.write(metrics, to: metricsFile)
        } catch {
            // The reports stand; a stale metrics file shows up as a missed success.
            logger.error("metrics: \(error)")
        }
    }
}
