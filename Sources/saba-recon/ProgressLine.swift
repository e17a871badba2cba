import Foundation
import SabaReconCore
import SabaReconIO
import Synchronization

/// `window 3/14 · 52,310 tickets · 4.2 MB/s · ETA 1m20s` on a terminal's stderr, redrawn at
/// most five times a second. Never used under cron: `auto` shows it only when stderr is a terminal.
final class ProgressLine: ProgressDisplay {
    private let terminal: TerminalLine
    private let lastDrawn = Mutex<(at: Date, calls: Int)?>(nil)

    init(terminal: TerminalLine) { self.terminal = terminal }

    func update(_ p: JobProgress) {
        let now = Date()
        let due = lastDrawn.withLock { last -> Bool in
            // The end of a call always draws; ticket updates at most every 200 ms.
            guard let previous = last, previous.calls == p.callsDone, now.timeIntervalSince(previous.at) < 0.2 else {
                last = (now, p.callsDone)
                return true
            }
            return false
        }
        guard due else { return }
        terminal.show(Self.render(p))
    }

    func finish() { terminal.finish() }

    static func render(_ p: JobProgress) -> String {
        var parts = ["window \(p.window)/\(p.windows)", "\(grouped(p.tickets)) tickets"]
        if let rate = p.megabytesPerSecond { parts.append(String(format: "%.1f MB/s", rate)) }
        parts.append(p.secondsLeft.map { "ETA \(DurationText.format($0))" } ?? "ETA ?")
        return parts.joined(separator: " · ")
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
