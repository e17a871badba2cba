import Foundation
import Testing
@testable import SabaReconCore

@Suite struct MoneyTests {
    @Test(arguments: [
        ("12.50", "12.50"), ("-12.5", "-12.50"), ("0", "0.00"), ("-0.00", "0.00"), ("1e3", "1000.00"), ("1.2E+3", "1200.00"),
        ("0.000001", "0.000001"), ("123456789012345678901234567890.12345678", "123456789012345678901234567890.12345678"),
        ("99999999999999999999999999999999999999", "99999999999999999999999999999999999999.00"), ("5E-3", "0.005"),
        ("0.1", "0.10"), ("100", "100.00"),
    ])
    func parsesExactlyAndFormatsPlain(input: String, rendered: String) throws {
        let value = try #require(Money.parse(input))
        #expect(Money.format(value) == rendered)
    }

    @Test func sumsWithoutBinaryFloatError() throws {
        let a = try #require(Money.parse("0.1")), b = try #require(Money.parse("0.2"))
        #expect(a + b == Money.parse("0.3"))
    }

    @Test(arguments: ["", "-", "abc", "1.2.3", "1e", "--1", "1x", "123456789012345678901234567890123456789"])
    func rejectsNonNumbersAndDigitsItCannotHold(input: String) {
        #expect(Money.parse(input) == nil)
    }

    @Test func formatsWithoutExponentAtTheExtremes() throws {
        let big = try #require(Money.parse("1e30"))
        #expect(Money.format(big) == "1000000000000000000000000000000.00")
        let small = try #require(Money.parse("-1e-20"))
        #expect(Money.format(small) == "-0.00000000000000000001")
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
