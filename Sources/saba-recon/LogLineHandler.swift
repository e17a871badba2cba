import Foundation
import Logging
import SabaReconCore

/// swift-log output on stderr: `2026-11-21T02:30:00.123Z warning saba-recon : message` on a
/// terminal or in syslog, or one JSON object per line (`--log-format json`) for a log shipper.
/// The text form keeps swift-log's StreamLogHandler layout, which Jobs/nightly-run.sh matches.
struct LogLineHandler: LogHandler {
    var label: String
    var json: Bool
    var terminal: TerminalLine
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        terminal.writeLine(Self.format(time: Date(), level: event.level, label: label, message: "\(event.message)",
                                       metadata: merged, source: event.source, json: json))
    }

    static func format(time: Date, level: Logger.Level, label: String, message: String,
                       metadata: Logger.Metadata, source: String, json: Bool) -> String {
        let stamp = UTCTime.iso(time)
        // One event, one line: a provider's text with a newline in it cannot forge another.
        let message = SecretText.escapeControls(message)
        if json {
            var fields = ["\"time\":\(JSONValue.quote(stamp))", "\"level\":\(JSONValue.quote(level.rawValue))",
                          "\"label\":\(JSONValue.quote(label))", "\"message\":\(JSONValue.quote(message))"]
            for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
                fields.append("\(JSONValue.quote("meta." + key)):\(JSONValue.quote("\(value)"))")
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
        let meta = metadata.isEmpty ? "" : " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(stamp) \(level) \(label) :\(meta) \(message)"
    }
}
