import Foundation
import SabaReconCore
import Yams

/// Reads the YAML config file into a `ConfigDocument`: known keys only, each with its line,
/// so a typo is an error that names the file and line rather than a setting silently ignored.
public enum ConfigFile {
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var line: Int?
        public var message: String
        public var description: String { "config \(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
    }

    public static func load(_ path: String) throws -> ConfigDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(path: path, line: nil, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LoadError(path: path, line: nil, message: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> ConfigDocument {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            // Yams marks the mapping; the line worth showing is the key's second appearance.
            let key = duplicates.first ?? ""
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                .filter { $0.element.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") }.map { $0.offset + 1 }
            throw LoadError(path: path, line: lines.count > 1 ? lines[1] : context.mark.line,
                            message: "duplicate key \(duplicates.joined(separator: ", "))")
        } catch let error as YamlError {
            // Yams' own description quotes the offending line, which may hold a secret.
            throw LoadError(path: path, line: Self.line(of: error), message: "not valid YAML: \(Self.problem(of: error))")
        }
        var document = ConfigDocument(path: path)
        guard let root else { return document }
        guard case .mapping(let mapping) = root else {
            throw LoadError(path: path, line: root.mark?.line, message: "the file must be a mapping of key: value")
        }
        try walk(mapping, prefix: "", into: &document)
        return document
    }

    static func walk(_ mapping: Node.Mapping, prefix: String, into document: inout ConfigDocument) throws {
        let path = document.path
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 0
            guard case .scalar(let keyScalar) = keyNode else { throw LoadError(path: path, line: line, message: "a key must be plain text") }
            let name = prefix + keyScalar.string
            if name == "currencies" {
                document.currencies = try currencies(valueNode, path: path)
                continue
            }
            if name == SettingKey.tolerance.name, case .mapping(let table) = valueNode {
                // `tolerance: {USD: 0.01, VND: 1, "*": 0.005}`: the flag's text form, checked where every source is.
                var parts: [String] = []
                for (code, amount) in table {
                    guard case .scalar(let c) = code, case .scalar(let a) = amount else {
                        throw LoadError(path: path, line: code.mark?.line ?? line, message: "tolerance must map currency codes to amounts")
                    }
                    parts.append(c.string == "*" ? a.string : "\(c.string)=\(a.string)")
                }
                document.values[name] = (.text(parts.joined(separator: ",")), line)
                continue
            }
            let isSection = SettingKey.all.contains { $0.name.hasPrefix(name + ".") }
            switch valueNode {
            case .mapping(let nested) where isSection:
                try walk(nested, prefix: name + ".", into: &document)
            case .scalar(let scalar) where isSection && isNull(scalar):
                continue  // a section whose keys are all commented out
            case _ where SettingKey.named(name) == nil:
                throw LoadError(path: path, line: line, message: "unknown key '\(name)'; known keys: \(SettingKey.all.map(\.name).joined(separator: ", ")), currencies")
            case .scalar(let scalar):
                guard let key = SettingKey.named(name) else { continue }
                if isNull(scalar) { continue }
                document.values[name] = (key.isList ? .list([scalar.string]) : .text(scalar.string), line)
            case .sequence(let items):
                guard let key = SettingKey.named(name), key.isList else {
                    throw LoadError(path: path, line: line, message: "'\(name)' takes one value, not a list")
                }
                var values: [String] = []
                for item in items {
                    guard case .scalar(let s) = item else { throw LoadError(path: path, line: item.mark?.line ?? line, message: "'\(name)' must be a list of plain values") }
                    values.append(s.string)
                }
                document.values[name] = (.list(values), line)
            default:
                throw LoadError(path: path, line: line, message: "'\(name)' must be a plain value")
            }
        }
    }

    /// `currencies: {15: {code: IDR, thousands: true, decimals: 0}}` overrides the built-in table.
    static func currencies(_ node: Node, path: String) throws -> [Int: CurrencyInfo] {
        guard case .mapping(let mapping) = node else {
            throw LoadError(path: path, line: node.mark?.line, message: "currencies must map Saba currency ids to {code, thousands}")
        }
        var table: [Int: CurrencyInfo] = [:]
        for (idNode, entry) in mapping {
            let line = idNode.mark?.line
            guard case .scalar(let idScalar) = idNode, let id = Int(idScalar.string), id > 0 else {
                throw LoadError(path: path, line: line, message: "currency id '\(idNode.scalar?.string ?? "?")' is not a positive whole number")
            }
            guard case .mapping(let fields) = entry, let code = fields["code"]?.scalar?.string,
                  code.count >= 2, code.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                throw LoadError(path: path, line: line, message: "currency \(id) needs {code: ISO code, thousands: true|false, decimals: 0-4}")
            }
            for (field, _) in fields where !["code", "thousands", "decimals"].contains(field.scalar?.string ?? "") {
                throw LoadError(path: path, line: field.mark?.line ?? line, message: "currency \(id): unknown field '\(field.scalar?.string ?? "?")' (code, thousands, decimals)")
            }
            var decimals: Int?
            if let text = fields["decimals"]?.scalar?.string {
                guard let value = Int(text), (0...4).contains(value) else {
                    throw LoadError(path: path, line: fields["decimals"]?.mark?.line ?? line, message: "currency \(id): decimals '\(text)' is not a whole number from 0 to 4 (the minor unit the wallet books in)")
                }
                decimals = value
            }
            var thousands = false
            if let flag = fields["thousands"]?.scalar?.string {
                guard let value = Settings.parseBool(flag) else {
                    throw LoadError(path: path, line: line, message: "currency \(id): thousands must be true or false")
                }
                thousands = value
            }
            table[id] = CurrencyInfo(code: code.uppercased(), scale: thousands ? 1000 : 1, decimals: decimals)
        }
        return table
    }

    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        case .reader(let problem, _, _, _): problem
        default: "cannot be read"
        }
    }
}
