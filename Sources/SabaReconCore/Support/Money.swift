import Foundation

/// An exact amount of money: an integer count of 10^-12 units.
///
/// Parsed straight from decimal text (`-12.5`, `1e3`, `0.000001`), never through a binary
/// float or Foundation's `Decimal`, and rendered by integer code as a plain decimal
/// (`-12.50`, never `1.2E+3`). It holds every amount of at most 15 integer digits and at
/// most 12 fraction digits (trailing zeros do not count); anything else is refused, so a
/// value is either exact or an error. Those bounds keep every sum the job makes (a
/// thousand-unit currency times a hundred million rows) far inside `Int128`: arithmetic
/// cannot overflow on input the parser accepted.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Value times 10^12.
    public var units: Int128

    public static let fractionDigits = 12
    public static let maxIntegerDigits = 15
    /// 10^12: one whole unit.
    static let one: Int128 = 1_000_000_000_000
    public static let zero = Money(units: 0)
    /// 10^15 whole units: the first value past `maxIntegerDigits`.
    static let limit: Int128 = 1_000_000_000_000_000 * one

    public init(units: Int128) { self.units = units }

    /// A whole number of units (tests, fixtures, currency factors).
    public init(_ whole: Int) { units = Int128(whole) * Self.one }

    // MARK: parsing

    /// Parses JSON-style number text (an optional `+` allowed); nil for anything that is
    /// not a number or would not be held exactly.
    public static func parse(_ text: String) -> Money? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    public static func parse(_ text: Substring) -> Money? { parse(String(text)) }

    public static func parse(bytes: [UInt8]) -> Money? {
        bytes.withUnsafeBufferPointer { parse(bytes: $0) }
    }

    /// The hot path: no allocation, one pass over the bytes.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Money? {
        let n = bytes.count
        var i = 0
        guard n > 0 else { return nil }
        var negative = false
        if bytes[0] == 0x2D { negative = true; i = 1 } else if bytes[0] == 0x2B { i = 1 }
        // Significant digits (leading zeros skipped) and where the point falls.
        var mantissa: Int128 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        var sawPoint = false
        var pendingZeros = 0  // zeros after the last non-zero digit: only counted once followed by one
        while i < n {
            let c = bytes[i]
            if c >= 0x30 && c <= 0x39 {
                sawDigit = true
                if c == 0x30 {
                    if digits > 0 { pendingZeros += 1 }
                    if sawPoint { exponent -= 1 }
                } else {
                    if pendingZeros > 0 {
                        digits += pendingZeros
                        guard digits <= 27 else { return nil }
                        for _ in 0..<pendingZeros { mantissa *= 10 }
                        pendingZeros = 0
                    }
                    digits += 1
                    guard digits <= 27 else { return nil }
                    mantissa = mantissa * 10 + Int128(c - 0x30)
                    if sawPoint { exponent -= 1 }
                }
            } else if c == 0x2E && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { return nil }
        // Trailing zeros were not multiplied in: each one raises the exponent instead.
        exponent += pendingZeros
        if i < n {
            guard bytes[i] == 0x65 || bytes[i] == 0x45 else { return nil }
            i += 1
            var expNegative = false
            if i < n && (bytes[i] == 0x2D || bytes[i] == 0x2B) { expNegative = bytes[i] == 0x2D; i += 1 }
            var e = 0
            var sawExpDigit = false
            while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                e = e * 10 + Int(bytes[i] - 0x30)
                guard e <= 10_000 else { return nil }
                sawExpDigit = true
                i += 1
            }
            guard sawExpDigit, i == n else { return nil }
            exponent += expNegative ? -e : e
        }
        if mantissa == 0 { return .zero }
        // value = mantissa * 10^exponent; its integer digits are digits + exponent.
        guard exponent >= -fractionDigits, digits + exponent <= maxIntegerDigits else { return nil }
        var units = mantissa
        for _ in 0..<(exponent + fractionDigits) { units *= 10 }
        return Money(units: negative ? -units : units)
    }

    // MARK: arithmetic

    public static func + (a: Money, b: Money) -> Money { Money(units: a.units + b.units) }
    public static func - (a: Money, b: Money) -> Money { Money(units: a.units - b.units) }
    public static prefix func - (a: Money) -> Money { Money(units: -a.units) }
    public static func += (a: inout Money, b: Money) { a.units += b.units }
    public static func -= (a: inout Money, b: Money) { a.units -= b.units }
    /// Scales by a currency factor (1 or 1000).
    public static func * (a: Money, factor: Int) -> Money { Money(units: a.units * Int128(factor)) }
    public static func < (a: Money, b: Money) -> Bool { a.units < b.units }

    /// `self × other`, rounded half to even at 10^-12 (far below any minor unit), or nil when
    /// the product would not fit: a stake times a price (SPEC §2's stake at risk).
    public func multiplied(by other: Money) -> Money? {
        // Strip the price's trailing zeros first, so realistic products stay far inside Int128.
        var factor = other.units
        var shift = Self.fractionDigits
        while shift > 0, factor % 10 == 0, factor != 0 { factor /= 10; shift -= 1 }
        let (product, overflow) = units.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        let result = Money(units: product).dividedRounding(byPowerOfTen: shift)
        // Held to what the parser accepts (15 integer digits), so every sum and scaling the job
        // makes of it stays far inside Int128.
        guard result.magnitude.units < Self.limit else { return nil }
        return result
    }

    /// `self / 10^n`, rounded half to even at 10^-12.
    public func dividedRounding(byPowerOfTen n: Int) -> Money {
        guard n > 0 else { return self }
        var divisor: Int128 = 1
        for _ in 0..<n { divisor *= 10 }
        let (q, r) = units.quotientAndRemainder(dividingBy: divisor)
        let twice = r.magnitude * 2
        var result = q
        if twice > divisor.magnitude || (twice == divisor.magnitude && q % 2 != 0) {
            result += units < 0 ? -1 : 1
        }
        return Money(units: result)
    }

    /// Rounded half to even to `decimals` places (a wallet booking an exact amount in minor units).
    public func rounded(decimals: Int) -> Money {
        guard decimals < Self.fractionDigits else { return self }
        let places = Self.fractionDigits - max(0, decimals)
        var scale: Int128 = 1
        for _ in 0..<places { scale *= 10 }
        return Money(units: dividedRounding(byPowerOfTen: places).units * scale)
    }

    /// Whether the amount is a whole number of 10^-decimals (it fits the currency's minor unit).
    public func fits(decimals: Int) -> Bool {
        guard decimals < Self.fractionDigits else { return true }
        var unit: Int128 = 1
        for _ in 0..<(Self.fractionDigits - max(0, decimals)) { unit *= 10 }
        return units % unit == 0
    }

    /// One minor unit of a currency with `decimals` decimals (0.01 for 2).
    public static func minorUnit(decimals: Int) -> Money {
        var unit: Int128 = 1
        for _ in 0..<(Self.fractionDigits - min(max(0, decimals), Self.fractionDigits)) { unit *= 10 }
        return Money(units: unit)
    }

    public var magnitude: Money { units < 0 ? -self : self }
    public var isZero: Bool { units == 0 }

    // MARK: text

    /// A plain decimal with at least `minFractionDigits` digits after the point.
    public func plain(minFractionDigits: Int = 2) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(40)
        appendPlain(minFractionDigits: minFractionDigits, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `plain(minFractionDigits:)`'s bytes appended to `out` (a line built byte by byte).
    public func appendPlain(minFractionDigits: Int = 2, to out: inout [UInt8]) {
        let negative = units < 0
        let m = negative ? UInt128(-units) : UInt128(units)
        let whole = m / UInt128(Self.one)
        var fraction = UInt64(m % UInt128(Self.one))
        var fractionCount = Self.fractionDigits
        let keep = max(0, min(minFractionDigits, Self.fractionDigits))
        while fractionCount > keep, fraction % 10 == 0 { fraction /= 10; fractionCount -= 1 }
        if negative { out.append(0x2D) }
        // A parsed amount's whole part fits 64 bits; a sum's may not.
        if let w = UInt64(exactly: whole) { Self.appendDigits(w, count: nil, to: &out) } else { out.append(contentsOf: String(whole).utf8) }
        if fractionCount > 0 {
            out.append(0x2E)
            Self.appendDigits(fraction, count: fractionCount, to: &out)
        }
        // Fractions wider than requested but needed: minFractionDigits beyond 12 pads zeros.
        if minFractionDigits > Self.fractionDigits { out.append(contentsOf: repeatElement(0x30, count: minFractionDigits - Self.fractionDigits)) }
    }

    /// The decimal digits of `value`, left-padded with zeros to `count` when given.
    private static func appendDigits(_ value: UInt64, count: Int?, to out: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { buf in
            var v = value
            var k = buf.count
            repeat {
                k -= 1
                buf[k] = 0x30 + UInt8(v % 10)
                v /= 10
            } while v > 0
            if let count { while buf.count - k < count { k -= 1; buf[k] = 0x30 } }
            out.append(contentsOf: buf[k...])
        }
    }

    /// At least two fraction digits, as the reports show money.
    public var description: String { plain() }

    /// The shortest exact text (`12.5`, `-3`), as stored where a human may read it.
    public var compact: String { plain(minFractionDigits: 0) }

    /// Renders like `plain(minFractionDigits:)`; kept as the reports' one spelling.
    public static func format(_ value: Money, minFractionDigits: Int = 2) -> String { value.plain(minFractionDigits: minFractionDigits) }

    /// A count of time units (Unix seconds or milliseconds) as seconds, for timestamps.
    public func seconds(perUnit: Int) -> TimeInterval {
        Double(units) / (Double(Self.one) * Double(perUnit))
    }

    // MARK: compact storage

    /// Millionths of a unit, when the value is a whole number of them that fits 64 bits
    /// (every real amount): the run store keeps money as INTEGER micros.
    public var micros: Int64? {
        let (q, r) = units.quotientAndRemainder(dividingBy: 1_000_000)
        guard r == 0, let v = Int64(exactly: q) else { return nil }
        return v
    }

    public init(micros: Int64) { units = Int128(micros) * 1_000_000 }

    // MARK: edges

    /// Foundation's `Decimal`, for code at the edges that still speaks it.
    public var decimal: Decimal {
        Decimal(string: compact, locale: Locale(identifier: "en_US_POSIX")) ?? 0
    }

    /// The exact value of a `Decimal`, when it fits (nil otherwise).
    public init?(exactly d: Decimal) {
        guard !d.isNaN, let m = Money.parse(d.description) else { return nil }
        self = m
    }

    // MARK: Codable as text, so JSON never carries a binary float

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let m = Money.parse(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not an exact amount")
        }
        self = m
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(compact)
    }
}

extension Money: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}
