import Foundation

/// Where a run keeps its break book (the `break_book` setting), as a run records it: beside
/// the reports of whichever process publishes (a shared run's publisher may mount the report
/// root elsewhere), in the run store's schema (the default with `--store`, SPEC §9), off, or
/// one file named by its absolute path.
public enum BreakBookLocation: Sendable, Equatable, Codable, CustomStringConvertible {
    case besideReports
    case store
    case off
    case file(String)

    /// The setting's text: empty (the default: the store's schema when there is a store,
    /// else beside the reports), `store`, `off`, or a path made absolute.
    public init(setting: String?, hasStore: Bool = false) {
        guard let given = setting, !given.isEmpty else { self = hasStore ? .store : .besideReports; return }
        switch given.lowercased() {
        case "off": self = .off
        case "store": self = .store
        default: self = .file(URL(fileURLWithPath: given).standardizedFileURL.path)
        }
    }

    /// The book's file for a report root; nil when off or in the store.
    public func path(out: URL) -> String? {
        switch self {
        case .besideReports: out.appendingPathComponent(BreakBookStore.defaultFile).path
        case .off, .store: nil
        case .file(let path): path
        }
    }

    public var description: String {
        switch self {
        case .besideReports: "OUT/\(BreakBookStore.defaultFile)"
        case .store: "store"
        case .off: "off"
        case .file(let path): path
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard text.utf8.count <= 4096, !text.utf8.contains(0) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a break book location"))
        }
        self.init(setting: text)
        if case .file(let path) = self, !text.hasPrefix("/") || path != text {
            // Recorded paths are absolute: a relative one is not what this job writes (SPEC §6).
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a recorded break book path must be absolute"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .besideReports: try c.encode("")
        case .store: try c.encode("store")
        case .off: try c.encode("off")
        case .file(let path): try c.encode(path)
        }
    }
}
