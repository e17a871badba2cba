import Foundation
import Testing
import SabaReconCore
import SabaSandbox

/// The streaming decoder (fast path), its general path, and Foundation's JSONDecoder must
/// read the same tickets from the same bytes, including bytes that were damaged at random.
@Suite struct DecoderDifferentialTests {
    enum Outcome: Equatable {
        case tickets([Ticket])
        case failed
    }

    static func streaming(_ body: [UInt8], fast: Bool, chunk: Int = 4096) -> Outcome {
        var decoder = TicketStreamDecoder(useFastPath: fast)
        var out: [Ticket] = []
        do {
            var start = 0
            while start < body.count {
                let end = min(start + chunk, body.count)
                try decoder.feed(Array(body[start..<end])) { out.append($0) }
                start = end
            }
            try decoder.finish()
            return .tickets(out)
        } catch {
            return .failed
        }
    }

    static func foundation(_ body: [UInt8]) -> Outcome {
        guard let t = try? ReferenceTicketDecoder.decode(Data(body)) else { return .failed }
        return .tickets(t)
    }

    /// The damaged bytes and a little around them, for a readable failure.
    static func context(_ clean: [UInt8], _ body: [UInt8]) -> String {
        let first = (0..<min(clean.count, body.count)).first { clean[$0] != body[$0] } ?? min(clean.count, body.count)
        let lo = max(0, first - 30), hi = min(body.count, first + 30)
        return String(decoding: body[lo..<hi], as: UTF8.self)
    }

    @Test(arguments: [1, 2, 3, 4])
    func generatedBodiesDecodeIdentically(seed: UInt64) {
        let body = ReferenceTicketDecoder.body(count: 400, seed: seed)
        let fast = Self.streaming(body, fast: true)
        guard case .tickets(let tickets) = fast else { Issue.record("fast path failed"); return }
        #expect(tickets.count == 400)
        #expect(fast == Self.streaming(body, fast: false))
        #expect(fast == Self.foundation(body))
    }

    @Test func randomlyDamagedBodiesDecodeIdenticallyOrFailOnBothPaths() {
        let clean = ReferenceTicketDecoder.body(count: 6, seed: 9)
        var rng = SplitMix64(seed: 2026)
        let alphabet = Array("{}[],:\"\\ 0123456789.-+eEtrufalsn".utf8)
        var agreedFailures = 0, agreedTickets = 0, lenient = 0
        for _ in 0..<1500 {
            var body = clean
            for _ in 0...rng.below(2) {
                let at = rng.below(body.count)
                switch rng.below(4) {
                case 0 where body[at] >= 0x30 && body[at] <= 0x39:
                    body[at] = UInt8(0x30 + rng.below(10))
                case 1:
                    body.remove(at: at)
                case 2:
                    body.insert(alphabet[rng.below(alphabet.count)], at: at)
                default:
                    body[at] = alphabet[rng.below(alphabet.count)]
                }
            }
            let fast = Self.streaming(body, fast: true, chunk: 1 + rng.below(700))
            let where_ = Self.context(clean, body)
            // The fast path and the general path agree on every byte sequence.
            #expect(fast == Self.streaming(body, fast: false), "fast and general paths differ near: \(where_)")
            let reference = Self.foundation(body)
            switch (fast, reference) {
            case (.tickets(let a), .tickets(let b)):
                // Where both read the body, they read the same tickets.
                #expect(a == b, "decoder and JSONDecoder read different tickets near: \(where_)")
                agreedTickets += 1
            case (.failed, .failed):
                agreedFailures += 1
            default:
                // Foundation's JSONDecoder is lenient where RFC 8259 is not (bad escapes in strings it
                // skips, leading zeros, "-.75"); the decoder follows the RFC. Counted, not failed.
                lenient += 1
            }
        }
        print("damaged bodies: \(agreedTickets) read identically, \(agreedFailures) refused by both, \(lenient) read by one only")
        #expect(agreedFailures > 100 && agreedTickets > 100, "the mutations should exercise both outcomes")
    }
}
