import Foundation

/// Where an effective setting came from, named in `config check` and in every error about it.
public enum SettingSource: Sendable, Equatable, CustomStringConvertible {
    case builtIn
    case file(path: String, line: Int)
    case environment(String)
    case flag(String)

    public var description: String {
        switch self {
        case .builtIn: "default"
        case .file(let path, let line): "\(path):\(line)"
        case .environment(let name): "env \(name)"
        case .flag(let name): "flag \(name)"
        }
    }
}

public enum SettingValue: Sendable, Equatable {
    case text(String)
    case list([String])
}

/// A parsed config file: dotted keys with the line each came from. Produced by `ConfigFile`.
public struct ConfigDocument: Sendable {
    public var path: String
    public var values: [String: (value: SettingValue, line: Int)]
    /// `currencies:` overrides of the built-in table, by Saba id.
    public var currencies: [Int: CurrencyInfo]

    public init(path: String, values: [String: (value: SettingValue, line: Int)] = [:], currencies: [Int: CurrencyInfo] = [:]) {
        self.path = path
        self.values = values
        self.currencies = currencies
    }
}

/// A setting that has no valid value. Its description names the key, where the value came
/// from and what was expected; a secret's value is never shown.
public struct SettingError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var source: SettingSource?
    public var message: String

    public init(key: String, source: SettingSource?, message: String) {
        self.key = key
        self.source = source
        self.message = message
    }

    public var description: String {
        "config key \(key)\(source.map { " (from \($0))" } ?? ""): \(message)"
    }
}

/// The effective settings: flags over environment over config file over built-in defaults.
/// Pure: the caller hands in the parsed file, the environment and the flags given.
public struct Settings: Sendable {
    public struct Entry: Sendable, Equatable {
        public var value: SettingValue
        public var source: SettingSource
    }

    public private(set) var entries: [String: Entry] = [:]
    public private(set) var currencies: CurrencyTable = .builtIn
    public private(set) var configPath: String?

    public init(file: ConfigDocument?, environment: [String: String], flags: [String: SettingValue]) {
        configPath = file?.path
        for key in SettingKey.all {
            if let flag = key.flag, let value = flags[key.name] {
                entries[key.name] = Entry(value: value, source: .flag(flag))
            } else if let (name, raw) = key.environment.lazy.compactMap({ name in environment[name].map { (name, $0) } }).first(where: { !$0.1.isEmpty }) {
                // A list from the environment is separated by commas.
                let value: SettingValue = key.isList
                    ? .list(raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
                    : .text(raw)
                entries[key.name] = Entry(value: value, source: .environment(name))
            } else if let (value, line) = file?.values[key.name] {
                entries[key.name] = Entry(value: value, source: .file(path: file?.path ?? "config", line: line))
            } else if let value = key.defaultValue {
                entries[key.name] = Entry(value: key.isList ? .list([]) : .text(value), source: .builtIn)
            }
        }
        if let file {
            var table = CurrencyTable.builtIn
            for (id, info) in file.currencies { table.entries[id] = info }
            currencies = table
        }
    }

    public func source(_ key: SettingKey) -> SettingSource? { entries[key.name]?.source }

    /// The value as text, or nil when unset (an empty text counts as unset, and then the
    /// key's default, if it has one, is the value: `grace: ""` in a file is the default grace).
    public func text(_ key: SettingKey) -> String? {
        switch entries[key.name]?.value {
        case .text(let s)? where !s.isEmpty: s
        case .list(let items)? where !items.isEmpty: items.joined(separator: ",")
        default: key.defaultValue.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// A setting that always has a value: its default is written once, in `SettingKey`, and
    /// read through `read` like any other value (so it is checked the same way).
    public func value<T>(_ key: SettingKey, _ read: (SettingKey) throws -> T?) throws -> T {
        guard let value = try read(key) else {
            throw SettingError(key: key.name, source: source(key), message: "has no value and no default")
        }
        return value
    }

    public func list(_ key: SettingKey) -> [String] {
        switch entries[key.name]?.value {
        case .list(let items)?: items
        case .text(let s)?: s.isEmpty ? [] : [s]
        case nil: []
        }
    }

    func fail(_ key: SettingKey, _ what: String) -> SettingError {
        let shown = text(key).map { " '\(Self.redact($0, key.secrecy))'" } ?? ""
        return SettingError(key: key.name, source: source(key), message: "\(shown.isEmpty ? "" : "\(shown.dropFirst()) is ")\(what); expected \(key.expects)")
    }

    /// A value that must be there.
    public func required(_ key: SettingKey, because why: String) throws -> String {
        guard let value = text(key) else {
            let ways = ([key.flag].compactMap { $0 } + [key.environment.joined(separator: " or "), "config \(key.name)"]).joined(separator: ", ")
            throw SettingError(key: key.name, source: nil, message: "not set (\(why)); give \(ways)")
        }
        return value
    }

    public func duration(_ key: SettingKey) throws -> TimeInterval? {
        guard let raw = text(key) else { return nil }
        guard let seconds = DurationText.parse(raw) else { throw fail(key, "not a duration") }
        return seconds
    }

    /// A duration with an upper bound of its own (the grace period: at most a day).
    public func duration(_ key: SettingKey, atMost limit: TimeInterval, because reason: String) throws -> TimeInterval? {
        guard let seconds = try duration(key) else { return nil }
        guard seconds <= limit else { throw fail(key, "longer than \(DurationText.format(limit)): \(reason)") }
        return seconds
    }

    public func money(_ key: SettingKey) throws -> Money? {
        guard let raw = text(key) else { return nil }
        guard let value = Money.parse(raw), value >= .zero else { throw fail(key, "not a non-negative decimal of at most \(Money.maxIntegerDigits) integer and \(Money.fractionDigits) fraction digits") }
        return value
    }

    /// SPEC §2's tolerance: one amount, a table per currency, or both.
    public func tolerances(_ key: SettingKey) throws -> ToleranceTable? {
        guard let raw = text(key) else { return nil }
        do { return try ToleranceTable.parse(raw) } catch let error as ToleranceTable.Invalid {
            throw fail(key, "not a tolerance (\(error.description))")
        }
    }

    public func integer(_ key: SettingKey, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = text(key) else { return nil }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw fail(key, "out of range \(range.lowerBound)...\(range.upperBound == Int.max ? "" : String(range.upperBound))")
        }
        return value
    }

    public func bool(_ key: SettingKey) throws -> Bool {
        guard let raw = text(key) else { return false }
        guard let value = Self.parseBool(raw) else { throw fail(key, "not a yes/no value") }
        return value
    }

    /// true/yes/on/1 or false/no/off/0, any case.
    public static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    public func hourOffset(_ key: SettingKey) throws -> Int {
        guard let raw = text(key) else { return 0 }
        guard let offset = DurationText.parseOffset(raw) else { throw fail(key, "not an hour offset") }
        return offset
    }

    public func choice(_ key: SettingKey, _ allowed: [String]) throws -> String? {
        guard let raw = text(key) else { return nil }
        guard allowed.contains(raw.lowercased()) else { throw fail(key, "not one of \(allowed.joined(separator: ", "))") }
        return raw.lowercased()
    }

    /// An `https://` URL, or `http://` to a loopback host when `allowHTTP` (a local sandbox
    /// or monitor): a bearer token or a ping must never cross a network in clear text.
    public func url(_ key: SettingKey, allowHTTP: Bool) throws -> String? {
        guard let raw = text(key) else { return nil }
        guard let host = URL(string: raw)?.host, !host.isEmpty, raw.hasPrefix("https://") || raw.hasPrefix("http://") else {
            throw fail(key, "not a URL")
        }
        if raw.hasPrefix("http://") && !(allowHTTP && Self.isLoopback(host)) {
            throw fail(key, "plain http:// to a host that is not loopback (only 127.0.0.0/8, ::1 and localhost may use it); use https://")
        }
        return raw
    }

    /// 127.0.0.0/8, ::1 or localhost.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { p in UInt8(p).map { _ in !p.isEmpty } ?? false }
    }

    /// `key = value  (source)` lines with secrets redacted, for `config check`.
    public func describe() -> [String] {
        let width = SettingKey.all.map(\.name.count).max() ?? 0
        var lines: [String] = []
        for key in SettingKey.all {
            let pad = String(repeating: " ", count: width - key.name.count)
            guard let entry = entries[key.name] else {
                lines.append("\(key.name)\(pad) = (unset)")
                continue
            }
            let shown: String
            switch entry.value {
            case .text(let s): shown = s.isEmpty ? "(none)" : Self.redact(s, key.secrecy)
            case .list(let items): shown = items.isEmpty ? "(none)" : "[" + items.map { Self.redact($0, key.secrecy) }.joined(separator: ", ") + "]"
            }
            lines.append("\(key.name)\(pad) = \(shown)  (\(entry.source))")
        }
        let overridden = currencies.entries.filter { CurrencyTable.builtIn.entries[$0.key] != $0.value }.sorted { $0.key < $1.key }
        for (id, info) in overridden {
            lines.append("currencies.\(id) = \(info.code), scale \(info.scale), decimals \(info.decimals)  (\(configPath ?? "config"))")
        }
        return lines
    }

    public static func redact(_ value: String, _ secrecy: SettingKey.Secrecy) -> String {
        switch secrecy {
        case .none: return value
        case .whole: return "[REDACTED]"
        case .urlPassword: return CommandLineRedactor.redactURLPassword(value)
        case .urlPath:
            guard let scheme = value.range(of: "://") else { return "[REDACTED]" }
            let rest = value[scheme.upperBound...]
            let hostEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let host = CommandLineRedactor.redactURLPassword(String(value[..<hostEnd]))
            return hostEnd == rest.endIndex ? host : host + "/[REDACTED]"
        }
    }
}
