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

    /// The one redaction of a URL, wherever one is printed or stored (SPEC §6): the user-info
    /// password (`postgres://user:secret@host/db` -> `postgres://user:[REDACTED]@host/db`)
    /// and the `password=` / `sslpassword=` query parameters. Works on bytes: a URL's
    /// delimiters are ASCII, and a combining mark must not hide one from a Character match.
    public static func redactURLPassword(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let scheme = find(Array("://".utf8), in: bytes) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let authorityStart = scheme + 3
        let queryStart = bytes[authorityStart...].firstIndex(of: 0x3F) ?? bytes.endIndex  // '?'
        // The last '@' before the query ends the user info (a password may hold '@' or '/').
        var i = 0
        if let at = bytes[authorityStart..<queryStart].lastIndex(of: 0x40),
           let colon = bytes[authorityStart..<at].firstIndex(of: 0x3A) {
            out += bytes[..<(colon + 1)]
            out += Array("[REDACTED]".utf8)
            i = at
        }
        out += bytes[i..<queryStart]
        guard queryStart < bytes.endIndex else { return String(decoding: out, as: UTF8.self) }
        out.append(0x3F)
        let fragment = bytes[(queryStart + 1)...].firstIndex(of: 0x23) ?? bytes.endIndex  // '#'
        let pairs = bytes[(queryStart + 1)..<fragment].split(separator: 0x26, omittingEmptySubsequences: false)  // '&'
        for (k, pair) in pairs.enumerated() {
            if k > 0 { out.append(0x26) }
            let eq = pair.firstIndex(of: 0x3D)
            let rawName = String(decoding: pair[pair.startIndex..<(eq ?? pair.endIndex)], as: UTF8.self)
            let name = (rawName.removingPercentEncoding ?? rawName).lowercased()
            if let eq, secretParameters.contains(name) {
                out += pair[...eq]
                out += Array("[REDACTED]".utf8)
            } else {
                out += pair
            }
        }
        out += bytes[fragment...]
        return String(decoding: out, as: UTF8.self)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
