import Foundation
import Testing
@testable import SabaReconCore

@Suite struct TicketStreamDecoderTests {
    /// A body with escapes, nulls, absent optional fields, unknown fields, a parlay and a resettle.
    static let body = #"""
    [ {"transId": 12345678901, "memberId": "m\"1\\x", "operatorId": "op", "leagueId": null, "leagueName": "\u5317\u4eac \ud83d\ude00 \/ League",
       "eventId": 55, "betType": 1, "parlayTicketNo": 0, "price": 1.95, "stake": 123456789012345.123456789,
       "transTime": "2026-07-10T09:00:00", "status": "half won", "settlementPrice": 0.0000000001, "currency": 51,
       "oddsType": 3, "point": null, "homeScore": null, "cashoutEnabled": true, "alreadyCashout": false, "cashoutPrice": 0,
       "parlayInfo": [{"parlayId": 1, "status": "won", "price": 1.5}, {"parlayId": 2, "status": "lose"}],
       "resettles": [{"resettleDate": "2026-07-11T10:00:00", "balanceChange": true, "status": "lose", "reSettlePrice": -12.5}],
       "settlementTime": "2026-07-11T09:00:00.500", "maxPayOut": 1E+3, "brandNewField": {"nested": [1, {"x": "}"}]}},
      {"transId": "2", "memberId": "m2", "stake": 5, "transTime": "2026-07-10T09:00:01Z", "status": "mystery", "currency": 3}
    ]
    """#

    static func decodeAll(_ bytes: [UInt8], splitAt cuts: [Int] = []) throws -> [Ticket] {
        var decoder = TicketStreamDecoder()
        var out: [Ticket] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            try decoder.feed(Array(bytes[start..<cut])) { out.append($0) }
            start = cut
        }
        try decoder.finish()
        return out
    }

    /// SPEC 6: a number the fast path cannot hold exactly is never stored rounded (it used to
    /// store `0.` + 140 zeros + digits as 0); both paths refuse it with the ticket named.
    @Test(arguments: ["0." + String(repeating: "0", count: 140) + "5", "1234567890123456", "0.0000000000001", "1e400"])
    func aStakeThatCannotBeHeldExactlyIsAnError(stake: String) throws {
        let body = Array(#"[{"transId": 7, "memberId": "m", "stake": \#(stake), "transTime": "2026-07-10T09:00:00", "status": "running", "currency": 3}]"#.utf8)
        let error = #expect(throws: TicketDecodingError.self) { try Self.decodeAll(body) }
        #expect(error?.description.contains("transId 7") == true)
        #expect(error?.description.contains("stake is not an exact amount") == true)
    }

    @Test func decodesEveryFieldExactly() throws {
        let tickets = try Self.decodeAll(Array(Self.body.utf8))
        #expect(tickets.count == 2)
        let t = tickets[0]
        #expect(t.transId == "12345678901")
        #expect(t.memberId == "m\"1\\x")
        #expect(t.stake == Money.parse("123456789012345.123456789"))
        #expect(Money.format(t.stake, minFractionDigits: 0) == "123456789012345.123456789")
        #expect(t.settlementPrice == Money.parse("0.0000000001"))
        #expect(t.maxPayOut == 1000)
        #expect(t.status == .halfWon)
        #expect(t.currency == 51)
        #expect(t.parlayLegs == 2)
        #expect(t.resettles == [Resettle(resettleDate: UTCTime.parse("2026-07-11T10:00:00Z"), balanceChange: true, status: .lose, reSettlePrice: Money.parse("-12.5")!)])
        #expect(t.settlementTime == UTCTime.parse("2026-07-11T09:00:00.500Z"))
        #expect(t.transTime == UTCTime.parse("2026-07-10T09:00:00Z"))
        let u = tickets[1]
        #expect(u.status == .unknown("mystery"))
        #expect(u.settlementPrice == nil && u.settlementTime == nil && u.resettles.isEmpty && u.eventId == nil)
    }

    /// Strings are scanned eight bytes a step: a quote, a backslash or a control character
    /// at every offset of a word, after ASCII or multi-byte text, in a kept field and in a
    /// skipped one, is found exactly where it is.
    @Test func aStringsSpecialBytesAreFoundAtEveryOffset() throws {
        for filler in ["a", "é", "\u{7F}", "~"] {
            for k in 0..<20 {
                let head = String(repeating: filler, count: k)
                for (raw, decoded) in [("\\\"", "\""), ("\\\\", "\\"), ("\\u0041", "A"), ("", "")] {
                    let text = head + raw + head
                    let body = "[{\"transId\": 1, \"skipped\": \"\(text)\", \"memberId\": \"\(text)\", \"stake\": 5, \"transTime\": \"2026-07-10T09:00:01Z\", \"status\": \"won\", \"currency\": 3}]"
                    let tickets = try Self.decodeAll(Array(body.utf8))
                    #expect(tickets.map(\.memberId) == [head + decoded + head], "filler \(filler) at \(k)")
                }
                let control = "[{\"transId\": 1, \"memberId\": \"\(head)\u{01}\", \"stake\": 5, \"transTime\": \"2026-07-10T09:00:01Z\", \"status\": \"won\", \"currency\": 3}]"
                #expect(throws: TicketDecodingError.self) { try Self.decodeAll(Array(control.utf8)) }
                let skipped = "[{\"transId\": 1, \"x\": \"\(head)\u{1F}\", \"memberId\": \"m\", \"stake\": 5, \"transTime\": \"2026-07-10T09:00:01Z\", \"status\": \"won\", \"currency\": 3}]"
                #expect(throws: TicketDecodingError.self) { try Self.decodeAll(Array(skipped.utf8)) }
            }
        }
    }

    /// The word-at-a-time scan against a byte-at-a-time one, from every start of random
    /// bytes (mostly plain text, some of every kind the scan stops at, and bytes above 0x7F).
    @Test func theWordScanStopsWhereTheByteScanDoes() {
        var random = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x22, 0x5C, 0x00, 0x1F, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xA2, 0xDC, 0xFF]
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...40, using: &random)).map { _ in
                Int.random(in: 0..<4, using: &random) == 0 ? alphabet.randomElement(using: &random) ?? 0x61 : UInt8.random(in: 0x61...0x7A, using: &random)
            }
            bytes.withUnsafeBufferPointer { p in
                for start in 0...p.count {
                    let expected = (start..<p.count).first { p[$0] == 0x22 || p[$0] == 0x5C || p[$0] < 0x20 } ?? p.count
                    #expect(TicketFastParser.Cursor(p: p, i: 0).special(from: start) == expected, "\(bytes) from \(start)")
                }
            }
        }
    }

    @Test func aBodySplitAtEveryByteOffsetGivesTheSameTickets() throws {
        let bytes = Array(Self.body.utf8)
        let whole = try Self.decodeAll(bytes)
        for cut in 0...bytes.count {
            #expect(try Self.decodeAll(bytes, splitAt: [cut]) == whole, "split at \(cut)")
        }
        // And one byte at a time.
        #expect(try Self.decodeAll(bytes, splitAt: Array(1..<bytes.count)) == whole)
    }

    /// A key of 256+ bytes that starts like a known one must be an unknown field, not a
    /// match on the key table's truncated length (which read past the known key and trapped).
    @Test(arguments: [256 + 7, 512 + 5, 300])
    func aVeryLongUnknownKeyIsIgnored(length: Int) throws {
        let key = "transId" + String(repeating: "x", count: length - 7)
        let body = "[{\"\(key)\": 9, \"transId\": 1, \"memberId\": \"m\", \"stake\": 5, \"transTime\": \"2026-07-10T09:00:01Z\", \"status\": \"won\", \"currency\": 3}]"
        let tickets = try Self.decodeAll(Array(body.utf8))
        #expect(tickets.count == 1)
        #expect(tickets.first?.transId == "1")
    }

    @Test func emptyArrayIsNoTickets() throws {
        #expect(try Self.decodeAll(Array(" [ ] \n".utf8)).isEmpty)
    }

    @Test func timesWithoutZoneUseTheConfiguredOffset() throws {
        var decoder = TicketStreamDecoder(mapper: TicketMapper(timeOffset: -4 * 3600))
        var out: [Ticket] = []
        try decoder.feed(Array(#"[{"transId":1,"memberId":"m","stake":1,"transTime":"2026-07-10T09:00:00","status":"running","currency":3}]"#.utf8)) { out.append($0) }
        try decoder.finish()
        #expect(out.first?.transTime == UTCTime.parse("2026-07-10T13:00:00Z"))
    }

    func failure(_ text: String) -> TicketDecodingError? {
        do {
            _ = try Self.decodeAll(Array(text.utf8))
            return nil
        } catch let e as TicketDecodingError {
            return e
        } catch {
            return nil
        }
    }

    @Test func malformedInputReportsItsByteOffset() throws {
        let broken = #"[{"transId":1,"memberId":"m","stake":1x,"transTime":"2026-07-10T09:00:00","status":"won","currency":3}]"#
        let e = try #require(failure(broken))
        #expect(e.offset == 38)  // the "x" after "1"
        let missing = try #require(failure(#"[{"transId":7,"memberId":"m","transTime":"2026-07-10T09:00:00","status":"won","currency":3}]"#))
        #expect(missing.reason.contains("stake") && missing.transId == "7" && missing.offset == 1)
        let second = try #require(failure(#"[{"transId":1,"memberId":"m","stake":1,"transTime":"2026-07-10T09:00:00","status":"won","currency":3}, 5]"#))
        #expect(second.offset == 103)  // the "5" where a ticket object should start
        #expect(failure(#"{"statusCode":401,"errorCode":"E002"}"#)?.offset == 0)
        #expect(failure(#"[{"transId":1,"memberId":"m","stake":"1e999","transTime":"2026-07-10T09:00:00","status":"won","currency":3}]"#) != nil)
        #expect(failure(#"[{"transId":1,"memberId":"m","stake":1,"transTime":"10/07/2026","status":"won","currency":3}]"#)?.reason.contains("transTime") == true)
    }

    @Test func aTruncatedBodyIsAnErrorAtFinish() throws {
        let bytes = Array(Self.body.utf8)
        for cut in [0, 1, 40, bytes.count / 2, bytes.count - 3] {
            var decoder = TicketStreamDecoder()
            try decoder.feed(Array(bytes[0..<cut])) { _ in }
            #expect(throws: TicketDecodingError.self) { try decoder.finish() }
        }
    }

    @Test func trailingGarbageIsRejected() {
        #expect(failure("[] x") != nil)
        #expect(failure("[1]") != nil)
    }
}

@Suite struct JSONValueTests {
    @Test func keepsNumbersAsText() throws {
        let v = try JSONValue.parse(#"{"a": -0.10, "b": [1e5, true, null], "c": "\u00e9"}"#)
        #expect(v["a"] == .number("-0.10"))
        #expect(v["b"] == .array([.number("1e5"), .bool(true), .null]))
        #expect(v["c"] == .string("é"))
    }

    @Test(arguments: ["{", "[1,]", "{\"a\" 1}", "\"\\ud800\"", "01", "-", "\"a\u{01}\"", "tru", "[] []"])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
    }
}
