import Foundation

/// `pg_password_file`: a file that holds only a PostgreSQL password, as a Kubernetes Secret or
/// a systemd credential is mounted. Unlike `~/.pgpass` it may be group-readable (a Secret is
/// readable by the pod's fsGroup), never by others; one trailing newline is not part of it.
enum PasswordFile {
    static let maxBytes = 4096

    static func read(_ path: String) throws -> String {
        func fail(_ why: String) -> LedgerError { LedgerError("pg_password_file \(path): \(why)") }
        var st = stat()
        guard stat(path, &st) == 0 else { throw fail("cannot read it (\(String(cString: strerror(errno))))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw fail("not a plain file") }
        guard st.st_mode & 0o007 == 0 else {
            throw fail("mode \(String(st.st_mode & 0o777, radix: 8)) lets others read it (chmod o-rwx, or a Secret's defaultMode 0440)")
        }
        let data: Data
        // A mounted Secret is a symbolic link into its ..data folder: the operator named it.
        do { data = try BoundedFile.read(path, maxBytes: maxBytes, followLinks: true) } catch { throw fail("unreadable or over \(maxBytes) bytes") }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { throw fail("it is empty") }
        guard !text.unicodeScalars.contains(where: { $0.value == 0 || $0 == "\n" || $0 == "\r" }) else {
            throw fail("it holds more than one line or a NUL byte: it must hold only the password")
        }
        return text
    }
}
