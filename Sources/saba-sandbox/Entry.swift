import ArgumentParser
import Foundation

@main
enum Entry {
    static func main() async {
        do {
            var command = try SandboxTool.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            exit(Self.report(error))
        }
        exit(0)
    }

    /// Prints one line for a failure and returns the exit status: 2, as saba-recon's (help exits 0).
    static func report(_ error: any Error) -> Int32 {
        let code = SandboxTool.exitCode(for: error)
        if code == .success {
            SandboxTool.exit(withError: error)
        }
        let message: String
        if error is CommandFailure {
            message = error.localizedDescription
        } else if code == .validationFailure {
            message = SandboxTool.message(for: error) + " (see --help)"
        } else {
            message = String(describing: error)
        }
        let line = message.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        FileHandle.standardError.write(Data("saba-sandbox: error: \(line)\n".utf8))
        return 2
    }
}
