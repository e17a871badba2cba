import Foundation
import Testing
import TestSupport
@testable import SabaReconCore

/// Property tests on what outsiders write (SPEC 6): for arbitrary bytes, every parser either
/// gives the reference result or a located error, and never crashes. A seeded generator, so
/// a failure repeats; `SABA_RECON_PROPERTY_CASES` sets the number of cases (default 300 per
/// property here; `scripts/property-tests` runs 20,000).
@Suite struct PropertyTests {
    static let numeric = Array("0123456789.-+eE ".utf8)
    static let json = Array("{}[]\":,0123456789.-eEtrufalsn \\abcxyz".utf8)

    @Test func moneyIsExactOrRefused() throws {
        var g = Gen(state: 1)
        for _ in 0..<Gen.cases * 10 {
            let bytes = g.bytes(1 + g.below(40), alphabet: Self.numeric)
            guard let m = Money.parse(bytes: bytes) else { continue }
            // Accepted: Decimal reads the same text to the same value, and the rendering reads back.
            let text = String(decoding: bytes, as: UTF8.self)
            guard let d = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
                // Decimal refuses a huge exponent even on zero (`0E650`); zero it is, exactly.
                #expect(m == .zero, "\(text)")
                continue
            }
            #expect(m.decimal == d, "\(text)")
            #expect(Money.parse(m.compact) == m, "\(text)")
        }
    }

    @Test func durationsAreBoundedOrRefused() {
        var g = Gen(state: 2)
        for _ in 0..<Gen.cases * 10 {
            let text = String(decoding: g.bytes(1 + g.below(12), alphabet: Array("0123456789.eE+-smhd ".utf8)), as: UTF8.self)
            if let seconds = DurationText.parse(text) {
                #expect(seconds.isFinite && seconds >= 0 && seconds <= DurationText.maximum, "\(text)")
            }
        }
    }

    @Test func theTicketDecoderGivesTicketsOrALocatedError() {
        var g = Gen(state: 3)
        let valid = Array(TicketStreamDecoderTests.body.utf8)
        for n in 0..<Gen.cases {
            let body = n % 4 == 0 ? g.bytes(g.below(300), alphabet: Self.json) : g.mutate(valid, alphabet: Self.json)
            var decoder = TicketStreamDecoder()
            do {
                // Fed in two pieces, so both the in-place fast path and the general path run.
                let cut = g.below(body.count + 1)
                try decoder.feed(Array(body[..<cut])) { _ in }
                try decoder.feed(Array(body[cut...])) { _ in }
                try decoder.finish()
            } catch let e as TicketDecodingError {
                #expect(e.offset >= 0 && e.offset <= body.count, "offset \(e.offset) of \(body.count)")
                #expect(!e.reason.isEmpty)
            } catch {
                Issue.record("not a located decoding error: \(error)")
            }
        }
    }

    @Test func aSplitNeverChangesWhatTheDecoderGives() throws {
        var g = Gen(state: 4)
        let valid = Array(TicketStreamDecoderTests.body.utf8)
        for _ in 0..<Gen.cases {
            let body = g.mutate(valid, alphabet: Self.json)
            func decode(_ cuts: [Int]) -> Result<[Ticket], TicketDecodingError> {
                Result { () throws(TicketDecodingError) -> [Ticket] in
                    do { return try TicketStreamDecoderTests.decodeAll(body, splitAt: cuts) } catch let e as TicketDecodingError { throw e } catch {
                        throw TicketDecodingError(offset: -1, reason: "\(error)", transId: nil)
                    }
                }
            }
            let whole = decode([])
            let split = decode([g.below(body.count + 1)].sorted())
            switch (whole, split) {
            case let (.success(a), .success(b)): #expect(a == b)
            case (.failure, .failure): break
            default: Issue.record("the split changed the outcome: \(whole) vs \(split)")
            }
        }
    }

    @Test func theRefundParserGivesRecordsOrAMalformedLineAtItsPlace() {
        var g = Gen(state: 5)
        let lines = [
            #"{"action":4,"ts":1447452951820,"transferId":123456789,"uid":"testpl01","currency":"RB","gType":0,"mType":8001}"#,
            #"{"cmd":10050,"event_id":"sr:match:1","markets":[{"id":"18","specifiers":"total=2.5"}],"start_time":1785000000000,"end_time":1785003600000}"#,
            #"{"event":"autoBatchRefund","seqNo":"b1","timestamp":1785000000000,"currency":"CNY","batchRefundList":[{"seqNo":"s1","roundCode":"R1","username":"u","refundMoney":20,"detail":[{"betId":"1","money":20}]}]}"#,
        ].map { Array($0.utf8) }
        for n in 0..<Gen.cases * 3 {
            let line = n % 5 == 0 ? g.bytes(g.below(200), alphabet: Self.json) : g.mutate(g.pick(lines), alphabet: Self.json)
            let here = RecordLocation(file: "p.jsonl", line: n + 1)
            switch RefundRecordParser.parse(line: line, at: here) {
            case .malformed(let m): #expect(m.location == here)
            case .records, .blank: break
            }
        }
    }
}
