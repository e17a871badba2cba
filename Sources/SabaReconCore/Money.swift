import Foundation

/// Exact money helpers. Amounts are `Decimal` parsed from decimal text, never
/// through a binary float, and rendered as plain decimals (`-12.50`, never `1.2E+3`).
public enum Money {
    /// Largest count of significant digits a `Decimal` holds exactly.
    public static let maxSignificantDigits = 38

    /// Parses JSON-style number text (`-12.5`, `1e3`, `0.000001`) exactly.
    /// Returns nil for anything that is not a number or would lose digits.
    public static func parse(_ text: Substring) -> Decimal? {
        parse(bytes: Array(text.utf8))
    }

    public static func parse(_ text: String) -> Decimal? {
        parse(bytes: Array(text.utf8))
    }

    /// Parses the bytes of a JSON number (or a plain decimal with optional `+`).
    public static func parse(bytes: [UInt8]) -> Decimal? {
        var i = 0
        let n = bytes.count
        guard n > 0 else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if bytes[i] == UInt8(ascii: "+") { i += 1 }
        var digits: [UInt8] = []
        digits.reserveCapacity(n)
        var exponent = 0
        var sawDigit = false
        var sawPoint = false
        while i < n {
            let c = bytes[i]
            if c >= 48 && c <= 57 {
                sawDigit = true
                if digits.isEmpty && c == 48 {
                    // leading zero: contributes nothing, but shifts the exponent after a point
                    if sawPoint { exponent -= 1 }
                } else {
                    digits.append(c - 48)
                    if sawPoint { exponent -= 1 }
                }
            } else if c == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { return nil }
        if i < n {
            guard bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            var expNegative = false
            if i < n && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
                expNegative = bytes[i] == UInt8(ascii: "-"); i += 1
            }
            var e = 0
            var sawExpDigit = false
            while i < n, bytes[i] >= 48, bytes[i] <= 57 {
                e = e * 10 + Int(bytes[i] - 48)
                if e > 10_000 { return nil }
                sawExpDigit = true
                i += 1
            }
            guard sawExpDigit, i == n else { return nil }
            exponent += expNegative ? -e : e
        }
        // Trailing zeros carry no value; dropping them keeps more room for real digits.
        while let last = digits.last, last == 0 { digits.removeLast(); exponent += 1 }
        if digits.isEmpty { return Decimal.zero }
        guard digits.count <= maxSignificantDigits else { return nil }
        guard exponent >= -128 && exponent + digits.count <= 127 else { return nil }
        var mantissa = Decimal.zero
        // Build in chunks of up to 18 digits to stay within UInt64 and keep it exact.
        var start = 0
        while start < digits.count {
            let end = min(start + 18, digits.count)
            var chunk: UInt64 = 0
            for d in digits[start..<end] { chunk = chunk * 10 + UInt64(d) }
            let scale = Decimal(sign: .plus, exponent: end - start, significand: 1)
            mantissa = mantissa * scale + Decimal(chunk)
            start = end
        }
        var value = Decimal(sign: .plus, exponent: exponent, significand: mantissa)
        if negative { value.negate() }
        return value
    }

    /// Renders a plain decimal with at least `minFractionDigits` digits after the point.
    public static func format(_ value: Decimal, minFractionDigits: Int = 2) -> String {
        if value.isNaN { return "NaN" }
        var v = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &v, 38, .plain)
        let negative = rounded < 0
        let magnitude = negative ? -rounded : rounded
        // Decimal(exponent:significand:) normalises; read digits out exactly via its description,
        // which swift-corelibs-foundation renders without an exponent.
        var text = magnitude.description
        if text.contains("e") || text.contains("E") {
            text = expandExponent(text)
        }
        var integerPart = text
        var fraction = ""
        if let dot = text.firstIndex(of: ".") {
            integerPart = String(text[..<dot])
            fraction = String(text[text.index(after: dot)...])
        }
        while fraction.count > minFractionDigits, fraction.hasSuffix("0") { fraction.removeLast() }
        while fraction.count < minFractionDigits { fraction.append("0") }
        if integerPart.isEmpty { integerPart = "0" }
        let body = fraction.isEmpty ? integerPart : integerPart + "." + fraction
        let isZero = magnitude == 0
        return (negative && !isZero ? "-" : "") + body
    }

    private static func expandExponent(_ text: String) -> String {
        let parts = text.lowercased().split(separator: "e")
        guard parts.count == 2, let e = Int(parts[1]) else { return text }
        var digits = String(parts[0])
        var pointShift = 0
        if let dot = digits.firstIndex(of: ".") {
            pointShift = digits.distance(from: dot, to: digits.endIndex) - 1
            digits.remove(at: dot)
        }
        let exp = e - pointShift
        if exp >= 0 { return digits + String(repeating: "0", count: exp) }
        let k = -exp
        if digits.count > k {
            let idx = digits.index(digits.endIndex, offsetBy: -k)
            return String(digits[..<idx]) + "." + String(digits[idx...])
        }
        return "0." + String(repeating: "0", count: k - digits.count) + digits
    }
}
