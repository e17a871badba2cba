import Foundation
import Synchronization

/// stderr, shared by log lines and the progress line: a log line first clears the progress
/// line, then the progress line is drawn again below it, so the two never garble each other.
final class TerminalLine: Sendable {
    static let standardError = TerminalLine(fd: 2)

    private let fd: Int32
    private let status = Mutex<String?>(nil)

    init(fd: Int32) { self.fd = fd }

    var isTerminal: Bool { isatty(fd) == 1 }

    /// A whole line of log output.
    func writeLine(_ line: String) {
        status.withLock { shown in
            var text = shown == nil ? "" : "\r\u{1B}[K"
            text += line + "\n"
            if let shown { text += shown }
            put(text)
        }
    }

    /// Replaces the progress line (no newline).
    func show(_ line: String) {
        status.withLock { shown in
            shown = line
            put("\r\u{1B}[K" + line)
        }
    }

    /// Ends the progress line, leaving its last state on screen.
    func finish() {
        status.withLock { shown in
            if shown != nil { put("\n") }
            shown = nil
        }
    }

    private func put(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(fd, base + offset, buffer.count - offset)
            }
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }
}
