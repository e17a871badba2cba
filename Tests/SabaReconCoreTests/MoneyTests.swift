import Foundation
import Testing
@testable import SabaReconCore

@Suite struct MoneyTests {
    @Test(arguments: [
        ("12.50", "12.50"), ("-12.5", "-12.50"), ("0", "0.00"), ("-0.00", "0.00"), ("-0", "0.00"), ("1e3", "1000.00"), ("1.2E+3", "1200.00"),
        ("0.000001", "0.000001"), ("123456789012345.123456789012", "123456789012345.123456789012"),
        ("999999999999999", "999999999999999.00"), ("5E-3", "0.005"), ("0.1", "0.10"), ("100", "100.00"), ("+7", "7.00"),
        ("1000000000000000e-1", "100000000000000.00"), ("0.000000000001", "0.000000000001"), ("120e-13", "0.000000000012"),
        ("00012.500", "12.50"), (".5", "0.50"), ("7.", "7.00"),
    ])
    func parsesExactlyAndFormatsPlain(input: String, rendered: String) throws {
        let value = try #require(Money.parse(input))
        #expect(Money.format(value) == rendered)
        #expect(value.description == rendered)
    }

    @Test func sumsWithoutBinaryFloatError() throws {
        let a = try #require(Money.parse("0.1")), b = try #require(Money.parse("0.2"))
        #expect(a + b == Money.parse("0.3"))
    }

    /// Refused rather than rounded: more than 15 integer digits, more than 12 fraction
    /// digits, anything that is not a number.
    @Test(arguments: ["", "-", "abc", "1.2.3", "1e", "--1", "1x", " 1", "1 ", "1e+", "..1", "NaN", "Infinity", "0x10",
                      "1000000000000000", "1e15", "0.0000000000001", "1e-13", "1e10001", "123456789012345678901234567890123456789",
                      "99999999999999999999999999999999999999"])
    func rejectsNonNumbersAndDigitsItCannotHold(input: String) {
        #expect(Money.parse(input) == nil)
    }

    @Test func trailingZerosBeyondTheLimitsCostNothing() throws {
        #expect(Money.parse("1.5000000000000000000000000000") == Money.parse("1.5"))
        #expect(Money.parse("0." + String(repeating: "0", count: 140) + "1") == nil)
        #expect(Money.parse("0." + String(repeating: "0", count: 140)) == .zero)
        #expect(Money.parse("100000000000000.000000000000000") == Money.parse("1e14"))
    }

    @Test func formatsWithoutExponentAtTheExtremes() throws {
        #expect(Money.format(try #require(Money.parse("1e14"))) == "100000000000000.00")
        #expect(Money.format(try #require(Money.parse("-1e-12"))) == "-0.000000000001")
        #expect(try #require(Money.parse("-12.50")).compact == "-12.5")
        #expect(try #require(Money.parse("3")).plain(minFractionDigits: 0) == "3")
        // A sum's whole part past 64 bits (a hundred million rows of the largest amount).
        let sum = Money(units: -(Int128(99_999_999_999_999_999) * 1_000_000 * 1_000_000_000_000 + 5 * 100_000_000_000))
        #expect(sum.plain() == "-99999999999999999000000.50")
        #expect(Money(units: 7).plain(minFractionDigits: 14) == "0.00000000000700")
    }

    @Test func thousandUnitScalingAndStorageRoundTrip() throws {
        let stake = try #require(Money.parse("50.5"))
        #expect(stake * 1000 == Money.parse("50500"))
        #expect(stake.micros == 50_500_000)
        #expect(Money(micros: try #require(stake.micros)) == stake)
        // Not a whole number of millionths: no INTEGER form, so the store keeps text.
        #expect(try #require(Money.parse("0.0000001")).micros == nil)
        #expect(try #require(Money.parse("-9999999999.999999")).micros == -9_999_999_999_999_999)
        // Past 64 bits of millionths: text as well.
        #expect(try #require(Money.parse("-999999999999999.999999")).micros == nil)
    }

    /// Differential: on every value both hold, Money gives what Foundation's Decimal gives:
    /// the parsed value, sums, differences, order, the thousand-unit scale and the text.
    @Test func agreesWithDecimalOnRandomAndEdgeValues() throws {
        var rng = SystemRandomNumberGenerator()
        var seed: UInt64 = 0x5ABA_2026
        func next() -> UInt64 {  // SplitMix64: the same cases every run
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        _ = rng.next()
        func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(next() % 10)) }) }
        var texts = ["0", "-0", "0.00", "1", "-1", "0.01", "-0.01", "999999999999999.999999999999", "-999999999999999.999999999999",
                     "0.000000000001", "1e14", "1E-12", "12.5e2", "-3.75E+1", "100.000", "50.5"]
        for _ in 0..<3000 {
            let intDigits = Int(next() % 16), fracDigits = Int(next() % 13)
            var t = (next() % 2 == 0 ? "-" : "") + (intDigits == 0 ? "0" : digits(intDigits))
            if fracDigits > 0 { t += "." + digits(fracDigits) }
            if next() % 8 == 0 { t += "e" + (next() % 2 == 0 ? "-" : "") + String(next() % 3) }
            texts.append(t)
        }
        var values: [(Money, Decimal, String)] = []
        for t in texts {
            guard let m = Money.parse(t) else {
                // Refused only past the documented limits: check that Decimal's value is indeed out of them.
                let d = try #require(Decimal(string: t, locale: Locale(identifier: "en_US_POSIX")))
                let tooBig = (d < 0 ? -d : d) >= Decimal(string: "1e15")!
                var scaled = d * Decimal(string: "1e12")!, rounded = Decimal()
                NSDecimalRound(&rounded, &scaled, 0, .plain)
                #expect(tooBig || rounded != scaled, "refused \(t) though it fits")
                continue
            }
            let d = try #require(Decimal(string: t, locale: Locale(identifier: "en_US_POSIX")))
            #expect(m.decimal == d, "\(t)")
            #expect(Money(exactly: d) == m, "\(t)")
            values.append((m, d, t))
        }
        #expect(values.count > 2500)
        for i in 0..<values.count {
            let (a, da, ta) = values[i]
            let (b, db, tb) = values[(i * 7 + 3) % values.count]
            #expect((a + b).decimal == da + db, "\(ta) + \(tb)")
            #expect((a - b).decimal == da - db, "\(ta) - \(tb)")
            #expect((a < b) == (da < db), "\(ta) < \(tb)")
            #expect((a * 1000).decimal == da * 1000, "\(ta) * 1000")
            // The text: Decimal's own rendering, padded to two fraction digits.
            var text = (da < 0 ? "-" : "") + "\((da < 0 ? -da : da))"
            if !text.contains(".") { text += ".00" } else if text.split(separator: ".")[1].count == 1 { text += "0" }
            #expect(a.description == text, "\(ta)")
        }
    }

    @Test func codableKeepsTheExactText() throws {
        let m = try #require(Money.parse("-0.000000000001"))
        let data = try JSONEncoder().encode([m])
        #expect(String(decoding: data, as: UTF8.self) == #"["-0.000000000001"]"#)
        #expect(try JSONDecoder().decode([Money].self, from: data) == [m])
    }
}

@Suite struct UTCTimeTests {
    @Test func parsesSabaAndLedgerForms() throws {
        let expected = Date(timeIntervalSince1970: 1_785_079_843)  // 2026-07-26T15:30:43Z
        #expect(UTCTime.parse("2026-07-26T15:30:43") == expected)
        #expect(UTCTime.parse("2026-07-26T15:30:43Z") == expected)
        #expect(UTCTime.parse("2026-07-26 15:30:43") == expected)
        #expect(UTCTime.parse("2026-07-26T11:30:43-04:00") == expected)
        #expect(UTCTime.parse("2026-07-26T11:30:43", defaultOffset: -4 * 3600) == expected)
        #expect(UTCTime.parse("2026-07-26 15:30:43.250") == expected.addingTimeInterval(0.25))
        #expect(UTCTime.parse("2026-02-30") == nil)
        #expect(UTCTime.parse("2026-07-26T25:00:00") == nil)
        #expect(UTCTime.parse("yesterday") == nil)
    }

    @Test func formatsInSabaQueryFormAndISO() {
        let t = Date(timeIntervalSince1970: 1_785_079_843)
        #expect(UTCTime.formatLocal(t) == "2026-07-26T15:30:43")
        #expect(UTCTime.formatLocal(t, offset: -4 * 3600) == "2026-07-26T11:30:43")
        #expect(UTCTime.iso(t) == "2026-07-26T15:30:43Z")
        #expect(UTCTime.iso(t.addingTimeInterval(0.25)) == "2026-07-26T15:30:43.250Z")
        #expect(UTCTime.day(t) == "2026-07-26")
    }

    /// The digits written in place read as `String(format:)` wrote them, across years,
    /// leap days, milliseconds, and dates before 1970 and past 9999.
    @Test func timesFormatAsPrintfDid() {
        for seconds in stride(from: -70_000_000_000.0, through: 260_000_000_000.0, by: 9_876_543.21) {
            let t = Date(timeIntervalSince1970: seconds)
            let whole = Int(floor(seconds))
            let days = Int(floor(Double(whole) / 86_400)), secs = whole - days * 86_400
            let (y, m, d) = UTCTime.civilFromDays(days)
            let printf = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
            #expect(UTCTime.formatLocal(t) == printf)
            let ms = Int((seconds * 1000).rounded())
            let frac = ((ms % 1000) + 1000) % 1000
            let iso = UTCTime.iso(t)
            #expect(iso.hasSuffix(frac == 0 ? "Z" : String(format: ".%03dZ", frac)))
        }
    }

    @Test func civilDaysRoundTripAcrossLeapYears() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = UTCTime.civilFromDays(days)
            #expect(UTCTime.daysFromCivil(year: y, month: m, day: d) == days)
        }
    }

    @Test func durationsAndOffsets() {
        #expect(DurationText.parse("15m") == 900)
        #expect(DurationText.parse("90") == 90)
        #expect(DurationText.parse("2h") == 7200)
        #expect(DurationText.parse("x") == nil)
        #expect(DurationText.parse("1e308d") == nil)
        #expect(DurationText.parse("401d") == nil)
        #expect(DurationText.parse("400d") == TimeInterval(34_560_000))
        #expect(DurationText.parse("inf") == nil)
        #expect(DurationText.parse("-1s") == nil)
        #expect(DurationText.parseOffset("-4") == -14_400)
        #expect(DurationText.parseOffset("+05:30") == 19_800)
        #expect(DurationText.parseOffset("25") == nil)
    }
}

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingEqualsOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var h = SHA256()
        for chunk in stride(from: 0, to: data.count, by: 7) { h.update(data[chunk..<min(chunk + 7, data.count)]) }
        #expect(h.hexDigest() == SHA256.hex(data))
    }
}

@Suite struct JWTClaimsTests {
    func token(_ payload: String) -> String {
        "eyJhbGciOiJIUzI1NiJ9." + JWTClaims.base64URLEncode(Array(payload.utf8)) + ".sig"
    }

    @Test func readsExpiry() throws {
        let claims = try JWTClaims(token: token(#"{"sub":"x","exp":1785079843}"#))
        #expect(claims.expiresAt == Date(timeIntervalSince1970: 1_785_079_843))
        #expect(claims.isExpired(at: Date(timeIntervalSince1970: 1_785_079_843)))
        #expect(!claims.isExpired(at: Date(timeIntervalSince1970: 1_785_079_842)))
    }

    @Test func rejectsMalformedTokensWithoutEchoingThem() {
        #expect(throws: JWTClaims.Malformed.self) { try JWTClaims(token: "not-a-jwt") }
        do {
            _ = try JWTClaims(token: "a.%%%secret%%%.c")
            Issue.record("accepted a malformed token")
        } catch {
            #expect(!error.description.contains("secret"))
        }
    }
}
