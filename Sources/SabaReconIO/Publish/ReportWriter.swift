import Foundation
import SabaReconCore

/// Writes report files so that a crash never leaves a half-written one: temp name,
/// fsync, rename, then fsync of the folder. `latest` is re-pointed the same way.
public struct ReportWriter: Sendable {
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Writes `data` to `folder/name` atomically; returns its SHA-256.
    @discardableResult
    public func write(_ data: Data, as name: String) throws -> String {
        let final = folder.appendingPathComponent(name)
        let temp = folder.appendingPathComponent(".\(name).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
            throw WriteError(message: "cannot create \(temp.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temp)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw WriteError(message: "cannot write \(final.path): \(Self.reason(error)) (the run stays resumable; latest was not moved)")
        }
        guard rename(temp.path, final.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw WriteError(message: "cannot rename \(temp.path) to \(final.path): \(reason)")
        }
        Self.syncDirectory(folder.path)
        var hasher = SHA256()
        hasher.update(data)
        return hasher.hexDigest()
    }

    /// The system's own words for a failed write ("No space left on device", "File too large"),
    /// not Foundation's wrapper around them.
    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    /// Points `root/latest` at `runId` (a relative symlink), replacing any previous link atomically.
    public static func moveLatest(root: URL, to runId: String) throws {
        let link = root.appendingPathComponent("latest")
        let temp = root.appendingPathComponent(".latest.\(getpid()).tmp")
        unlink(temp.path)
        guard symlink(runId, temp.path) == 0 else {
            throw WriteError(message: "cannot create the latest link in \(root.path): \(String(cString: strerror(errno)))")
        }
        guard rename(temp.path, link.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp.path)
            throw WriteError(message: "cannot move \(link.path): \(reason)")
        }
        syncDirectory(root.path)
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
