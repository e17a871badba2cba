import Foundation

/// Text that may carry a secret or an outsider's bytes, made safe for one log or error line.
public enum SecretText {
    /// The secrets to hide in `text`: each whole, and each dot-separated segment of a JWT of
    /// at least 8 characters, so a body echoing only a token's payload or signature is caught.
    public static func redact(_ text: String, secrets: [String]) -> String {
        var pieces: [String] = []
        for secret in secrets where !secret.isEmpty {
            pieces.append(secret)
            let segments = secret.split(separator: ".").map(String.init)
            if segments.count > 1 { pieces += segments.filter { $0.count >= 8 } }
        }
        // Longest first, so a whole token is replaced before its parts.
        return pieces.sorted { $0.count > $1.count }.reduce(text) { $0.replacingOccurrences(of: $1, with: "[REDACTED]") }
    }

    /// Control characters (a newline in a provider's errorCode could forge a log line) as
    /// visible escapes: `\n`, `\r`, `\t`, `\u{1b}`.
    public static func escapeControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Redacts, escapes, and only then cuts to `limit` characters: never the other way round,
    /// or a secret cut in half would escape redaction.
    public static func line(_ text: String, secrets: [String], limit: Int = 200) -> String {
        let safe = escapeControls(redact(text, secrets: secrets))
        return safe.count > limit ? String(safe.prefix(limit)) + "…" : safe
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || s.value == 0x7F || (0x80...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
    }
}
