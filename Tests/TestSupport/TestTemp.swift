import Foundation

/// Where tests put their temporary files: one folder of this test process, removed with all
/// it holds when the process exits (each test run used to leave some 70 folders in /tmp).
public enum TestTemp {
    /// `$TMPDIR/saba-recon-tests.<pid>`, made on first use.
    static let root: URL = {
        let url = URL(fileURLWithPath: rootPath())
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestTemp.rootPath()) }
        return url
    }()

    static func rootPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-tests.\(getpid())").path
    }

    /// A new path `<prefix>-<uuid>` in this process's folder (not created).
    public static func url(_ prefix: String) -> URL {
        root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    }
}
