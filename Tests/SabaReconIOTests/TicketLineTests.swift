import Foundation
import SabaReconCore
import Testing
@testable import SabaReconIO

@Suite struct TicketLineTests {
    /// Every field set, texts with the escaped bytes, money at the bounds, a resettle.
    static let full = Ticket(transId: "300000002121", memberId: "m\u{1F}x\\y=\u{0}", eventId: 123, betType: -1, parlayTicketNo: "", price: Money.parse("0.95"),
                             stake: Money(units: 123_456_789_012_345_123_456_789_012), transTime: Date(timeIntervalSince1970: 1_785_000_000.123),
                             status: TicketStatus("half won"), settlementPrice: Money.parse("-0.000000000001"), currency: 51, oddsType: 3,
                             cashoutEnabled: true, alreadyCashout: false, cashoutPrice: Money.parse("7"), settlementTime: Date(timeIntervalSince1970: 1_785_000_100.5),
                             maxPayOut: Money.parse("1000"), parlayLegs: 4,
                             resettles: [Resettle(resettleDate: Date(timeIntervalSince1970: 1_785_000_050), balanceChange: true, status: TicketStatus("won"), reSettlePrice: Money(12))])
    static let bare = Ticket(transId: "1", memberId: "", stake: .zero, transTime: Date(timeIntervalSince1970: 0), status: TicketStatus("running"), currency: 3)

    @Test func everyFieldRoundTripsExactly() throws {
        let (full, bare) = (Self.full, Self.bare)
        for t in [full, bare] {
            let line = TicketLine.encode(t)
            #expect(!line.contains("\n"))
            #expect(try TicketLine.decode(line) == t)
        }
        #expect(try TicketLine.decode(TicketLine.encode(full)).parlayTicketNo == "")
        #expect(try TicketLine.decode(TicketLine.encode(bare)).parlayTicketNo == nil)
    }

    /// Stores written by an earlier saba-recon hold these lines: the byte-level encoder writes
    /// exactly what the String-joining one did, and reads it back.
    @Test func theLineFormatIsUnchanged() throws {
        let (full, bare) = (Self.full, Self.bare)
        let fields = ["=300000002121", "=m\\xx\\\\y=\\0", "123", "-1", "=", "0.95", "123456789012345.123456789012", "1785000000.123", "=half won",
                      "-0.000000000001", "51", "3", "1", "0", "7", "1785000100.5", "1000", "4", "=" + ResettleText.encode(full.resettles)]
        let line = fields.joined(separator: "\u{1F}")
        #expect(TicketLine.encode(full) == line)
        #expect(try TicketLine.decode(line) == full)
        let bareLine = ["=1", "=", "", "", "", "", "0", "0.0", "=running", "", "3", "", "0", "0", "", "", "", "0", ""].joined(separator: "\u{1F}")
        #expect(TicketLine.encode(bare) == bareLine)
        #expect(try TicketLine.decode(bareLine) == bare)
        // Combining marks after the escapes and the separator; an unknown escape keeps its
        // character, a trailing backslash is dropped (as the scalar-based reader did).
        var marked = bare
        marked.memberId = "\\\u{301}\u{1F}\u{301}a\u{301}"
        let markedLine = TicketLine.encode(marked)
        #expect(markedLine.hasPrefix("=1\u{1F}=\\\\\u{301}\\x\u{301}a\u{301}\u{1F}"))
        #expect(try TicketLine.decode(markedLine) == marked)
        let odd = bareLine.replacingOccurrences(of: "\u{1F}=\u{1F}", with: "\u{1F}=\\q\u{301}x\\\u{1F}")
        #expect(try TicketLine.decode(odd).memberId == "q\u{301}x")
    }

    /// Unix seconds read back exactly: the short decimal path and the standard parser agree
    /// on every value Swift prints, including ones the short path hands over.
    @Test func secondsRoundTripExactly() {
        var values: [Double] = [0, -0.0, 1, 0.1, 1_785_000_000.123, 1_785_000_000.123456, 1_785_000_000.1234567, 1e16, 1.5e-7, -86_400.25,
                                1_785_000_000.999999, Double.ulpOfOne, 123_456_789_012_345, 1_234_567_890_123_456, .greatestFiniteMagnitude]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Times around now with up to microseconds, as a provider's clock gives them, and raw bit patterns.
            values.append(1_700_000_000 + Double(state >> 40) / 1_000_000)
            let bits = Double(bitPattern: state)
            if bits.isFinite { values.append(bits) }
        }
        for v in values {
            let text = String(v)
            let parsed = Array(text.utf8).withUnsafeBufferPointer { TicketLine.seconds($0) }
            #expect(parsed?.bitPattern == v.bitPattern, "\(text)")
        }
        // Text Swift does not print but its parser reads: the same value either way.
        for odd in ["5.", ".5", "-.5", "+5", "-0", "007.25", "1e+16", "1E3", "inf", "-inf", "0.000000000000000000001", "123456789012345678"] {
            let parsed = Array(odd.utf8).withUnsafeBufferPointer { TicketLine.seconds($0) }
            #expect(parsed?.bitPattern == Double(odd)?.bitPattern, "\(odd)")
        }
        #expect(Array("nan".utf8).withUnsafeBufferPointer { TicketLine.seconds($0) }?.isNaN == true)
        for bad in ["", "-", ".", "1.2.3", "12a", "1e", "--1"] {
            #expect(Array(bad.utf8).withUnsafeBufferPointer { TicketLine.seconds($0) } == nil, "\(bad)")
        }
    }

    @Test func integersAreBoundedTo64Bits() {
        func int(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBufferPointer { TicketLine.integer($0) } }
        #expect(int("9223372036854775807") == .max)
        #expect(int("-9223372036854775808") == .min)
        #expect(int("9223372036854775808") == nil)
        #expect(int("-12") == -12)
        for bad in ["", "-", "+", "1-", " 1", "1.0", "0x1"] { #expect(int(bad) == nil, "\(bad)") }
    }

    @Test func aDamagedLineIsAClearError() {
        #expect(throws: TicketLine.DecodeError.self) { try TicketLine.decode("=1\u{1F}=m") }
        let line = TicketLine.encode(Ticket(transId: "1", memberId: "m", stake: .zero, transTime: Date(), status: TicketStatus("running"), currency: 3))
        #expect(throws: TicketLine.DecodeError.self) { try TicketLine.decode(line.replacingOccurrences(of: "\u{1F}3\u{1F}", with: "\u{1F}x\u{1F}")) }
    }
}
