import Foundation

/// Durations on the command line: `90` or `90s`, `15m`, `2h`, `1d`.
public enum DurationText {
    /// No duration the job takes is longer than a year and a bit; past that a typo (or
    /// `1e308d`) would overflow what uses it.
    public static let maximum: TimeInterval = 400 * 86_400

    /// Nil for anything that is not a non-negative duration of at most `maximum` once its
    /// unit is applied.
    public static func parse(_ text: String) -> TimeInterval? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let last = t.last else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let (number, factor) = units[last].map { (String(t.dropLast()), $0) } ?? (t, 1)
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        let seconds = value * factor
        guard seconds.isFinite, seconds <= maximum else { return nil }
        return seconds
    }

    /// Hours east of UTC such as `-4`, `+8`, `-04:00`, `5:30`, in seconds.
    public static func parseOffset(_ text: String) -> Int? {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.uppercased() == "UTC" || t.uppercased() == "Z" { return 0 }
        var sign = 1
        if t.hasPrefix("-") { sign = -1; t.removeFirst() } else if t.hasPrefix("+") { t.removeFirst() }
        let parts = t.split(separator: ":")
        guard parts.count >= 1, parts.count <= 2, let h = Int(parts[0]), h <= 14 else { return nil }
        let m = parts.count == 2 ? Int(parts[1]) : 0
        guard let m, m < 60 else { return nil }
        return sign * (h * 3600 + m * 60)
    }

    /// `1h20m`, `90s`, `2d3h`: for messages and the progress line's ETA.
    public static func format(_ seconds: TimeInterval) -> String {
        var left = Int(seconds.rounded())
        guard left > 0 else { return "0s" }
        var parts: [String] = []
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where left >= size {
            parts.append("\(left / size)\(unit)")
            left %= size
            if parts.count == 2 { break }
        }
        return parts.joined()
    }

    /// A duration that reads back exactly: `15m` when that is exact, else the seconds (`3661s`).
    public static func formatExact(_ seconds: TimeInterval) -> String {
        let short = format(seconds)
        return parse(short) == seconds ? short : "\(seconds)s"
    }

    /// An offset from UTC as `+08:00` or `-04:00`.
    public static func formatOffset(_ seconds: Int) -> String {
        let m = abs(seconds) / 60
        let hh = m / 60 < 10 ? "0\(m / 60)" : "\(m / 60)"
        let mm = m % 60 < 10 ? "0\(m % 60)" : "\(m % 60)"
        return "\(seconds < 0 ? "-" : "+")\(hh):\(mm)"
    }
}
