import Foundation
import Prometheus
import SabaReconCore

/// The Prometheus textfile (node_exporter's textfile collector) written at the end of every
/// run, success or failure. It is replaced by rename, so the collector never reads half a file.
/// The last success time is carried over from the previous file when this run failed, so an
/// alert on "no success for 26 hours" keeps working through failures.
public enum MetricsTextfile {
    static let lastSuccess = "saba_recon_last_success_timestamp_seconds"

    public static func render(_ m: RunMetrics, previousLastSuccess: Double?) -> String {
        let registry = PrometheusCollectorRegistry()
        let command = [("command", m.command)]
        func gauge(_ name: String, _ help: String, _ value: Double, _ labels: [(String, String)] = []) {
            // The whole name as the metric's, no unit: joined, it is `name` as written.
            let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
            registry.makeGauge(descriptor: descriptor, labels: command + labels).set(to: value)
        }
        let finished = (m.finishedAt ?? m.startedAt).timeIntervalSince1970
        gauge("saba_recon_last_run_timestamp_seconds", "When the last run ended (Unix time).", finished)
        gauge("saba_recon_last_run_exit_status", "Exit status of the last run: 0 reconciled, 1 discrepancies, 2 failed.", Double(m.exitStatus))
        gauge("saba_recon_last_run_success", "1 if the last run completed (exit 0 or 1), 0 if it failed.", m.succeeded ? 1 : 0)
        if let success = m.succeeded ? finished : previousLastSuccess {
            gauge(lastSuccess, "When a run last completed (exit 0 or 1), Unix time.", success)
        }
        gauge("saba_recon_run_duration_seconds", "Wall time of the last run.", finished - m.startedAt.timeIntervalSince1970)
        for stage in RunMetrics.Stage.allCases {
            if let seconds = m.stageSeconds[stage] {
                gauge("saba_recon_stage_duration_seconds", "Wall time of each stage of the last run.", seconds, [("stage", stage.rawValue)])
            }
        }
        gauge("saba_recon_tickets_fetched", "Tickets fetched from GetBetDetails by the last run.", Double(m.ticketsFetched))
        gauge("saba_recon_bytes_fetched", "Response bytes fetched from GetBetDetails by the last run.", Double(m.bytesFetched))
        gauge("saba_recon_tickets_staged", "Tickets the last run judged (a resumed run includes earlier windows).", Double(m.ticketsStaged))
        gauge("saba_recon_requests", "GetBetDetails requests made by the last run, retries included.", Double(m.requests))
        gauge("saba_recon_retries", "GetBetDetails requests of the last run that were retries.", Double(m.retries))
        gauge("saba_recon_windows_fetched", "Window calls fetched by the last run.", Double(m.windowsFetched))
        gauge("saba_recon_windows_reused", "Window calls a resumed run took from its earlier attempt.", Double(m.windowsReused))
        gauge("saba_recon_ledger_entries", "Ledger entries the last run read.", Double(m.ledgerEntries))
        gauge("saba_recon_pending", "Tickets of the last run still inside the grace period.", Double(m.pending))
        if m.resultKnown {
            gauge("saba_recon_judged", "Ticket groups the last run judged (0 with tickets or ledger entries read is a failed run).", Double(m.judged))
        }
        if m.succeeded && m.resultKnown {
            // Written only for a completed run whose findings this process knows: a failed
            // run's zero, or a waiting process's, would read as "all clear".
            let total = m.discrepancies.reduce(0) { $0 + $1.count }
            gauge("saba_recon_discrepancies_total", "Report rows of the last completed run.", Double(total))
            for d in m.discrepancies {
                gauge("saba_recon_discrepancies", "Report rows of the last completed run by kind and currency.", Double(d.count),
                      [("kind", d.kind), ("currency", d.currency)])
            }
            if let breaks = m.breaks {
                // Every status, zeros included: an alert on new breaks needs the series to exist.
                for status in BreakStatus.allCases.map(\.rawValue) + ["resolved"] {
                    gauge("saba_recon_breaks", "Breaks of the last completed run by status (resolved: breaks it resolved).", Double(breaks[status] ?? 0),
                          [("status", status)])
                }
                gauge("saba_recon_oldest_open_break_age_days", "Days since the oldest break neither resolved nor acknowledged was first seen (0: none).",
                      Double(m.oldestOpenBreakDays ?? 0))
            }
        }
        return registry.emitToString()
    }

    /// Writes `path` atomically, as reports are written: a temporary `.NAME.PID.tmp` in the same
    /// folder (node_exporter reads only *.prom), fsync, rename.
    public static func write(_ m: RunMetrics, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let previous = (try? String(contentsOf: url, encoding: .utf8)).flatMap(lastSuccess(in:))
        do {
            try ReportWriter(folder: url.deletingLastPathComponent()).write(Data(render(m, previousLastSuccess: previous).utf8), as: url.lastPathComponent)
        } catch {
            throw MetricsError(message: "cannot write the metrics file: \(error)")
        }
    }

    /// The last success time in an earlier textfile, whatever its labels.
    static func lastSuccess(in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(lastSuccess) {
            let rest = line.dropFirst(lastSuccess.count)
            guard rest.first == " " || rest.first == "{" else { continue }
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
        }
        return nil
    }
}

public struct MetricsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
