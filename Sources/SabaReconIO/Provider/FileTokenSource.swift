import Foundation
import SabaReconCore
import Synchronization

/// A token file that is read again whenever it changes (a rotated Kubernetes Secret, a
/// renewal script writing a new JWT mid-run), so a long run picks the new token up.
/// The file is checked with stat(2) before each request, which follows symlinks the way a
/// Secret mount swaps them.
public final class FileTokenSource: TokenSource {
    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var modifiedNanos: Int64
    }

    struct State {
        var stamp: Stamp?
        var current: StaticTokenSource?
        /// Every token read, so an old one echoed in a message is still hidden.
        var seen: [String] = []
    }

    public let path: String
    public var origin: String { "--jwt-file \(path)" }
    private let state = Mutex(State())

    /// Reads the file once now, so a missing or malformed file fails before any request.
    public init(path: String) throws {
        self.path = path
        _ = try state.withLock { try Self.refresh(&$0, path: path) }
    }

    public func token(now: Date) throws -> String {
        let source = try state.withLock { try Self.refresh(&$0, path: path) }
        do {
            return try source.token(now: now)
        } catch let error as TokenError {
            throw TokenError(error.message + " (the file is read again before each request: write the new token to it)")
        }
    }

    public func invalidate(refused: String) -> Bool {
        // Saba refused the token: worth a retry only if the file now holds another one.
        state.withLock { state in
            let before = state.seen.last
            if before != refused { return true }
            state.stamp = nil
            guard (try? Self.refresh(&state, path: path)) != nil else { return false }
            return state.seen.last != before
        }
    }

    public func redact(_ text: String) -> String {
        let tokens = state.withLock { $0.seen }
        return SecretText.redact(text, secrets: Array(tokens))
    }

    private static func refresh(_ state: inout State, path: String) throws -> StaticTokenSource {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw TokenError("cannot read the JWT file \(path): \(String(cString: strerror(errno)))")
        }
        let stamp = Stamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                          modified: Int64(info.st_mtim.tv_sec), modifiedNanos: Int64(info.st_mtim.tv_nsec))
        if let current = state.current, stamp == state.stamp { return current }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenError("cannot read the JWT file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let source = try StaticTokenSource(token: text, origin: "--jwt-file \(path)")
        state.current = source
        state.stamp = stamp
        if state.seen.last != text { state.seen.append(text) }
        return source
    }
}
