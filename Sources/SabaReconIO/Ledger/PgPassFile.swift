import Foundation

/// libpq's password file (`PGPASSFILE`, else `~/.pgpass`): lines `host:port:database:user:password`,
/// `*` matching anything, `\:` and `\\` escaped. Like libpq, a file that group or others
/// may read is ignored (and the reason kept, so a failed login can say why).
struct PgPassFile: Sendable, Equatable {
    struct Line: Sendable, Equatable {
        var fields: [String]
        var number: Int
    }

    var path: String
    var lines: [Line]

    /// Parses the text; comment and malformed lines are skipped, as libpq does.
    init(path: String, text: String) {
        self.path = path
        var out: [Line] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            guard !line.hasPrefix("#"), !line.isEmpty else { continue }
            var fields: [String] = [], current = "", escaped = false
            for c in line {
                if escaped { current.append(c); escaped = false }
                else if c == "\\" { escaped = true }
                else if c == ":" && fields.count < 4 { fields.append(current); current = "" }
                else { current.append(c) }
            }
            fields.append(current)
            if fields.count == 5 { out.append(Line(fields: fields, number: i + 1)) }
        }
        lines = out
    }

    /// The first line matching; `host` is the host name or, for a socket, `localhost` (libpq's rule).
    func password(host: String, port: Int, database: String, user: String) -> (password: String, line: Int)? {
        let wanted = [host, String(port), database, user]
        for line in lines where zip(line.fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) {
            return (line.fields[4], line.number)
        }
        return nil
    }

    enum Loaded: Sendable, Equatable {
        case file(PgPassFile)
        case ignored(String)
        case absent
    }

    /// Reads the file if it is there: a regular file of at most 1 MB, mode 0600 or stricter.
    static func load(_ path: String) -> Loaded {
        var st = stat()
        guard stat(path, &st) == 0 else { return .absent }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .ignored("\(path) is not a plain file") }
        guard st.st_mode & 0o077 == 0 else {
            return .ignored("\(path) ignored: mode \(String(st.st_mode & 0o777, radix: 8)) lets group or others read it (chmod 600, as libpq requires)")
        }
        guard let data = try? BoundedFile.read(path, maxBytes: 1 << 20) else { return .ignored("\(path) ignored: unreadable or over 1 MB") }
        return .file(PgPassFile(path: path, text: String(decoding: data, as: UTF8.self)))
    }
}
