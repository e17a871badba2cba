import Foundation
import Testing
import SabaReconCore
import SabaSandbox

/// The streaming decoder (fast path), its general path, and Foundation's JSONDecoder must
/// read the same tickets from the same bytes, including bytes that were damaged at random.
@Suite struct DecoderDifferentialTests {
    enum Outcome: Equatable {
        case tickets([Ticket])
        case failed(String)
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
            return .failed(String(describing: error))
        }
    }

    static func foundation(_ body: [UInt8]) -> Outcome {
        do {
            return .tickets(try ReferenceTicketDecoder.decode(Data(body)))
        } catch {
            return .failed(String(describing: error))
        }
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

    /// Where the decoder may refuse what Foundation's JSONDecoder reads: each entry is a piece
    /// of the decoder's error and why refusing is right. Anything else fails the test.
    /// (decoder's error, damaged body, clean body) -> whether this leniency explains the case:
    /// a pattern counts only where the damage added it.
    static let stricterThanFoundation: [(applies: @Sendable (String, String, String) -> Bool, because: String)] = [
        ({ _, body, clean in added(#"[:,\[]-?0[0-9]"#, body, clean) },
         "a number with a leading zero (RFC 8259 forbids it; JSONDecoder reads 007 as 7)"),
        ({ _, body, clean in added(#"[:,\[]-?\.[0-9]|[0-9]\.[^0-9]"#, body, clean) },
         "a fraction without digits on one side, -.75 or 1.. (RFC 8259 requires them; JSONDecoder reads them)"),
        ({ reason, _, _ in reason.contains("invalid escape") || reason.contains("invalid \\u escape") },
         "a string escape RFC 8259 does not define (JSONDecoder skips it in strings it does not decode)"),
        ({ _, body, clean in added(#"[0-9][+-]"#, body, clean) },
         "a sign after a number's digits, 101+ or 1-2 (JSONDecoder does not check the numbers of fields it skips; found when the sandbox's body changed)"),
        ({ reason, body, clean in reason.contains("is not an integer") && added(#"[0-9][eE][0-9+-]"#, body, clean) },
         "an id written with an exponent (30000E000000): ids are kept as the digits Saba sent, never through a float"),
    ]

    static func added(_ pattern: String, _ body: String, _ clean: String) -> Bool {
        func count(_ text: String) -> Int {
            (try? NSRegularExpression(pattern: pattern)).map { $0.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text)) } ?? 0
        }
        return count(body) > count(clean)
    }

    @Test func randomlyDamagedBodiesDecodeIdenticallyOrFailOnBothPaths() {
        let clean = ReferenceTicketDecoder.body(count: 6, seed: 9)
        var rng = SplitMix64(seed: 2026)
        let alphabet = Array("{}[],:\"\\ 0123456789.-+eEtrufalsn".utf8)
        var agreedFailures = 0, agreedTickets = 0
        var stricter: [String: Int] = [:]
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
            case (.failed(let reason), .tickets):
                // Stricter than Foundation: allowed only for a reason written down.
                let text = String(decoding: body, as: UTF8.self), original = String(decoding: clean, as: UTF8.self)
                if let why = Self.stricterThanFoundation.first(where: { $0.applies(reason, text, original) })?.because {
                    stricter[why, default: 0] += 1
                } else {
                    Issue.record("the decoder refused what JSONDecoder read, for no listed reason: \(reason) near: \(where_)")
                }
            case (.tickets, .failed(let reason)):
                // The dangerous direction: the decoder accepting bytes the reference refuses.
                Issue.record("the decoder read tickets JSONDecoder refuses (\(reason)) near: \(where_)")
            }
        }
        print("damaged bodies: \(agreedTickets) read identically, \(agreedFailures) refused by both, refused by the decoder only: \(stricter)")
        #expect(agreedFailures > 100 && agreedTickets > 100, "the mutations should exercise both outcomes")
    }
}
