import Foundation

/// Hides secrets in a command line before it is written anywhere.
public enum CommandLineRedactor {
    static let secretOptions: Set<String> = ["--jwt", "--token", "--password", "--vendor-id", "--deadman-url"]

    public static func redact(_ arguments: [String], secrets: [String] = []) -> [String] {
        var out: [String] = []
        var hideNext = false
        for arg in arguments {
            if hideNext { out.append("[REDACTED]"); hideNext = false; continue }
            if secretOptions.contains(arg) { out.append(arg); hideNext = true; continue }
            if let eq = arg.firstIndex(of: "="), secretOptions.contains(String(arg[..<eq])) {
                out.append(String(arg[...eq]) + "[REDACTED]"); continue
            }
            var cleaned = redactURLPassword(arg)
            for secret in secrets where !secret.isEmpty { cleaned = cleaned.replacingOccurrences(of: secret, with: "[REDACTED]") }
            out.append(cleaned)
        }
        return out
    }

    /// `postgres://user:secret@host/db` -> `postgres://user:[REDACTED]@host/db`.
    public static func redactURLPassword(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "[REDACTED]" + String(text[at...])
    }
}
