import Foundation

/// Hides secrets in a command line before it is written anywhere.
public enum CommandLineRedactor {
    /// Flags whose value is hidden: the secret settings' flags (from `SettingKey`), plus names an
    /// operator might type for a token or password by mistake.
    static let secretOptions: [String: SettingKey.Secrecy] = {
        var options: [String: SettingKey.Secrecy] = ["--jwt": .whole, "--token": .whole, "--password": .whole]
        for key in SettingKey.all where key.secrecy != .none {
            if let flag = key.flag { options[flag] = key.secrecy }
        }
        return options
    }()

    public static func redact(_ arguments: [String], secrets: [String] = []) -> [String] {
        var out: [String] = []
        var hideNext: SettingKey.Secrecy?
        for arg in arguments {
            var cleaned: String
            if let secrecy = hideNext {
                cleaned = Settings.redact(arg, secrecy)
                hideNext = nil
            } else if let secrecy = secretOptions[arg] {
                cleaned = arg
                hideNext = secrecy
            } else if let eq = arg.firstIndex(of: "="), let secrecy = secretOptions[String(arg[..<eq])] {
                cleaned = String(arg[...eq]) + Settings.redact(String(arg[arg.index(after: eq)...]), secrecy)
            } else {
                cleaned = redactURLPassword(arg)
            }
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
