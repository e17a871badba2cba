import CShim

/// Process-wide SQLite settings, applied once before the first database is opened.
public enum SQLiteProcessSetup {
    /// Turns SQLite's memory statistics off: with them on, every SQLite allocation takes one
    /// process-wide mutex, and the fetch thread (run.sqlite) and the ledger thread
    /// (ledger.sqlite) stage at the same time. Call first thing in `main`; later it is a no-op.
    public static func configure() {
        _ = sr_sqlite_disable_memstatus()
    }
}
