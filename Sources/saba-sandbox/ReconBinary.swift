import Foundation

/// The `saba-recon` executable, run by the demo as an operator would run it: a process of
/// its own, with its output passed straight through and only the environment it needs.
struct ReconBinary {
    let url: URL

    /// Variables passed on from this process besides the ones the run is given.
    static let passedOn = ["PATH", "HOME", "TMPDIR"]

    /// `--saba-recon PATH`, else the `saba-recon` beside this executable (the same build).
    static func locate(_ explicit: String?) throws -> ReconBinary {
        if let explicit {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw CommandFailure("--saba-recon \(explicit) is not an executable file")
            }
            return ReconBinary(url: URL(fileURLWithPath: explicit))
        }
        // The real file even when started through a symlink (/proc/self/exe on Linux); argv[0] otherwise.
        let own = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
        let beside = own.deletingLastPathComponent().appendingPathComponent("saba-recon")
        guard FileManager.default.isExecutableFile(atPath: beside.path) else {
            throw CommandFailure("no saba-recon beside this saba-sandbox (looked for \(beside.path)): build it in the same configuration (swift build --product saba-recon) or give --saba-recon PATH")
        }
        return ReconBinary(url: beside)
    }

    /// `variables` plus PATH, HOME and TMPDIR from `parent`: no SABA_RECON_* setting, token
    /// or config file of the calling shell leaks into the run.
    static func environment(_ variables: [String: String], from parent: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var env = parent.filter { passedOn.contains($0.key) }
        for (key, value) in variables { env[key] = value }
        return env
    }

    /// Runs it to the end and returns its exit status (128 + the signal when one killed it).
    func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = environment
        // Standard input, output and error are left unset: the child shares ours, so its
        // output streams through as it is written. Ours is flushed first to keep the order.
        fflush(nil)
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { ended in
                let status = ended.terminationStatus
                continuation.resume(returning: ended.terminationReason == .uncaughtSignal ? 128 + status : status)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: CommandFailure("cannot start \(url.path): \(error.localizedDescription)"))
            }
        }
    }
}
