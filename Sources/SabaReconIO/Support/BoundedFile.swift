import Foundation

/// Reads a small file of our own (run.json, an earlier run's manifest.json) with a byte
/// limit and without following a symlink: a file swapped for a link or grown huge is a
/// clear error, never an unbounded read. Opened non-blocking, so a FIFO planted in its place
/// is refused at once (fstat: not a regular file) instead of waiting for a writer forever.
public enum BoundedFile {
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// `followLinks`: for an operator's own file (a Kubernetes ConfigMap mounts each key as a
    /// symbolic link); never for a file this job wrote.
    public static func read(_ path: String, maxBytes: Int, followLinks: Bool = false) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { throw ReadError(description: "cannot open \(path): \(errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw ReadError(description: "\(path) is not a regular file")
        }
        let data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        guard data.count <= maxBytes else {
            throw ReadError(description: "\(path) holds more than \(maxBytes) bytes: not a file this job wrote")
        }
        return data
    }
}
