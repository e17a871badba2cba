import Foundation
import Testing

/// A real program that reads what the job writes for people: LibreOffice for the workbook,
/// Chromium for the page, unzip for the workbook's parts. `scripts/test` installs them;
/// when one is missing, under `CI` the test fails, elsewhere it is cancelled (reported as
/// skipped, with the reason), as for PostgreSQL.
public struct ExternalReader: Sendable {
    public let path: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// `source`: where `package` comes from, for the reason given when it is missing.
    public static func require(_ names: [String], package: String, source: String = "Debian package") throws -> ExternalReader {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/lib/chromium"]
        for name in names {
            for dir in dirs where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return ExternalReader(path: "\(dir)/\(name)")
            }
        }
        let reason = "\(names.joined(separator: " or ")) not found (\(source) \(package); scripts/test installs it)"
        if let ci = ProcessInfo.processInfo.environment["CI"], !ci.isEmpty, ci != "false" {
            throw Failure(description: "CI is set and \(reason)")
        }
        try Test.cancel("skipped: \(reason)")
    }

    /// Runs the program; its stdout, or a failure with its stderr. Killed after `timeout` seconds.
    @discardableResult
    public func run(_ arguments: [String], timeout: TimeInterval = 120, environment: [String: String] = [:]) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        // Read while it runs so a full pipe never blocks it: on threads of their own, never
        // the concurrency pool's (a test may call this from an async function).
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box(), errBox = Box()
        let group = DispatchGroup()
        for (handle, box) in [(out.fileHandleForReading, outBox), (err.fileHandleForReading, errBox)] {
            group.enter()
            Thread.detachNewThread {
                box.data = handle.readDataToEndOfFile()
                group.leave()
            }
        }
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            kill(-p.processIdentifier, SIGKILL)
            p.terminate()
            throw Failure(description: "\(path) \(arguments.joined(separator: " ")) did not finish in \(Int(timeout)) s")
        }
        group.wait()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "\(path) exited \(p.terminationStatus): \(String(decoding: errBox.data.suffix(2000), as: UTF8.self))")
        }
        return outBox.data
    }
}
