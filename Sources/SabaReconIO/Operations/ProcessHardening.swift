import Foundation

/// What the process sets for itself before it reads a secret or writes a file.
public enum ProcessHardening {
    /// Files the job writes hold member ids and amounts: not world-readable, whatever the
    /// caller's umask (folders 0750, files 0640). No core dumps: one would hold the token.
    public static func apply() {
        umask(0o027)
        // A file-size limit (RLIMIT_FSIZE) then fails a write with EFBIG, a clear error,
        // instead of killing the process half-way through a report.
        signal(SIGXFSZ, SIG_IGN)
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(Int32(RLIMIT_CORE.rawValue), &none)
    }
}
