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

    /// Query parameters that carry a secret (libpq's `password` and `sslpassword`).
    static let secretParameters: Set<String> = ["password", "sslpassword"]
    /// libpq's URI parameters: a secret's value runs to the next `&` that starts one of these,
    /// so an unencoded `&` or `#` inside a password is hidden with the rest of it.
    static let knownParameters: Set<String> = ["host", "hostaddr", "port", "user", "password", "sslpassword", "dbname", "sslmode", "sslrootcert",
                                               "sslcert", "sslkey", "application_name", "connect_timeout", "options", "target_session_attrs"]

    /// The one redaction of a URL, wherever one is printed or stored (SPEC §6): the user-info
    /// password (`postgres://user:secret@host/db` -> `postgres://user:[REDACTED]@host/db`)
    /// and the `password=` / `sslpassword=` query parameters. Works on bytes: a URL's
    /// delimiters are ASCII, and a combining mark must not hide one from a Character match.
    /// Errs towards hiding: a password holding `@`, `/`, `?` or `#` unencoded (a URL that does
    /// not even parse) is hidden whole, with whatever follows it up to the last `@`.
    public static func redactURLPassword(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let scheme = find(Array("://".utf8), in: bytes) else { return text }
        let authorityStart = scheme + 3
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        // The user info ends at the last '@' of the whole text.
        if let at = bytes[authorityStart...].lastIndex(of: 0x40), let colon = bytes[authorityStart..<at].firstIndex(of: 0x3A) {
            out += bytes[..<(colon + 1)]
            out += Array("[REDACTED]".utf8)
            i = at
        }
        let queryStart = bytes[i...].firstIndex(of: 0x3F) ?? bytes.endIndex  // '?' after the user info
        out += bytes[i..<queryStart]
        guard queryStart < bytes.endIndex else { return String(decoding: out, as: UTF8.self) }
        out.append(0x3F)
        let pairs = bytes[(queryStart + 1)...].split(separator: 0x26, omittingEmptySubsequences: false)  // '&'
        var hiding = false
        for (k, pair) in pairs.enumerated() {
            let eq = pair.firstIndex(of: 0x3D)
            let rawName = String(decoding: pair[pair.startIndex..<(eq ?? pair.endIndex)], as: UTF8.self)
            let name = (rawName.removingPercentEncoding ?? rawName).lowercased()
            // Inside a secret's value until a known parameter starts again.
            if hiding && !(eq != nil && knownParameters.contains(name)) { continue }
            hiding = false
            if k > 0 { out.append(0x26) }
            if let eq, secretParameters.contains(name) {
                out += pair[...eq]
                out += Array("[REDACTED]".utf8)
                hiding = true
            } else {
                out += pair
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
