import Foundation

/// An exclusive `flock` on `OUT/.saba-recon.lock` for the whole of a nightly run, so two can
/// never run at once (and on a run folder's own, while a process writes that run). The file
/// says who holds it; the kernel drops the lock if the holder dies.
public final class RunLock: @unchecked Sendable {
    private let fd: Int32
    public let path: String
    /// Whether the lock file goes with the lock (a run folder's: nothing is left in it).
    private let removedOnRelease: Bool

    public struct Held: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(folder: URL, holder: String, now: Date, removedOnRelease: Bool = false) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(".saba-recon.lock").path
        // Opened and locked before the stored properties are set: a refused lock never reaches
        // deinit, which would truncate and unlock through a descriptor already closed.
        // Never through a symbolic link (O_NOFOLLOW), and only a regular file of our own:
        // writing the holder line must not truncate some other file.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw Held(description: "cannot open the lock file \(path): \(reason); remove it and run again")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == geteuid() else {
            close(fd)
            throw Held(description: "the lock file \(path) is not a regular file owned by this user (uid \(geteuid())); remove it and run again")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let owner = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw Held(description: "another saba-recon run holds \(path)\(owner.isEmpty ? "" : " (\(owner))"); not starting a second one")
        }
        self.fd = fd
        self.path = path
        self.removedOnRelease = removedOnRelease
        let text = "\(holder), pid \(getpid()), since \(ISO8601DateFormatter().string(from: now))\n"
        ftruncate(fd, 0)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        fsync(fd)
    }

    deinit {
        ftruncate(fd, 0)
        // Removed while still held: a process that opens it now finds a lock nobody will want.
        if removedOnRelease { unlink(path) }
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Whether a live process holds the lock in `folder` (a process that died released it
    /// with its descriptors; no lock file at all is not held).
    static func isHeld(in folder: URL) -> Bool {
        let fd = open(folder.appendingPathComponent(".saba-recon.lock").path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return errno == EWOULDBLOCK }
        flock(fd, LOCK_UN)
        return false
    }
}
