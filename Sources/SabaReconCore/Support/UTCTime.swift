import Foundation

/// Calendar arithmetic in UTC without `Calendar` or locale: the proleptic Gregorian
/// day count of Howard Hinnant's `days_from_civil`.
public enum UTCTime {
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        default:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        }
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` or the same with a space
    /// instead of `T`. A time without a zone is taken at `defaultOffset` seconds east of UTC.
    public static func parse(_ text: String, defaultOffset: Int = 0) -> Date? {
        var text = text
        return text.withUTF8 { parse(bytes: $0, defaultOffset: defaultOffset) }
    }

    /// The same, straight from bytes (the ticket decoder's hot path).
    public static func parse(bytes b: UnsafeBufferPointer<UInt8>, defaultOffset: Int = 0) -> Date? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        var seconds = 0
        var fraction = 0.0
        var offset = defaultOffset
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") else { return nil }
            i += 1
            guard let hh = digits(2), expect(":"), let mm = digits(2) else { return nil }
            var ss = 0
            if i < b.count, b[i] == UInt8(ascii: ":") {
                i += 1
                guard let s = digits(2) else { return nil }
                ss = s
            }
            guard hh < 24, mm < 60, ss < 61 else { return nil }
            seconds = hh * 3600 + mm * 60 + ss
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                var scale = 0.1
                var any = false
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    fraction += Double(b[i] - 48) * scale
                    scale /= 10
                    any = true
                    i += 1
                }
                guard any else { return nil }
            }
            if i < b.count {
                if b[i] == UInt8(ascii: "Z") {
                    offset = 0
                    i += 1
                } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                    let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    _ = expect(":")
                    // Minutes are optional: PostgreSQL writes "+00".
                    let om = i < b.count ? digits(2) : 0
                    guard let om else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                }
            }
            guard i == b.count else { return nil }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let whole = Double(days * 86_400 + seconds - offset)
        return Date(timeIntervalSince1970: whole + fraction)
    }

    /// `YYYY-MM-DDTHH:MM:SS` at `offset` seconds east of UTC (Saba's query format).
    public static func formatLocal(_ date: Date, offset: Int = 0) -> String {
        let t = Int(floor(date.timeIntervalSince1970)) + offset
        let days = Int(floor(Double(t) / 86_400))
        let secs = t - days * 86_400
        let (y, m, d) = civilFromDays(days)
        guard (0...9999).contains(y) else {
            return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
        }
        // Digits written in place: the reports format a time per row, and String(format:)
        // went through Foundation's locale-aware formatter each time.
        return String(unsafeUninitializedCapacity: 19) { b in
            func put(_ value: Int, _ width: Int, at start: Int) {
                var v = value
                for k in stride(from: start + width - 1, through: start, by: -1) {
                    b[k] = UInt8(48 + v % 10)
                    v /= 10
                }
            }
            put(y, 4, at: 0); b[4] = 0x2D; put(m, 2, at: 5); b[7] = 0x2D; put(d, 2, at: 8); b[10] = 0x54
            put(secs / 3600, 2, at: 11); b[13] = 0x3A; put((secs % 3600) / 60, 2, at: 14); b[16] = 0x3A; put(secs % 60, 2, at: 17)
            return 19
        }
    }

    /// ISO 8601 in UTC with `Z`, milliseconds only when present.
    public static func iso(_ date: Date) -> String {
        let ms = Int((date.timeIntervalSince1970 * 1000).rounded())
        let wholeMs = ms % 1000 == 0
        let base = formatLocal(Date(timeIntervalSince1970: Double(Int(floor(Double(ms) / 1000)))))
        if wholeMs { return base + "Z" }
        let frac = ((ms % 1000) + 1000) % 1000
        return base + "." + String(frac / 100) + String(frac / 10 % 10) + String(frac % 10) + "Z"
    }

    /// The UTC date part `YYYY-MM-DD`.
    public static func day(_ date: Date) -> String {
        String(formatLocal(date).prefix(10))
    }
}
