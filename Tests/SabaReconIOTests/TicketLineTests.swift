import Foundation
import SabaReconCore
import Testing
@testable import SabaReconIO

@Suite struct TicketLineTests {
    @Test func everyFieldRoundTripsExactly() throws {
        let full = Ticket(transId: "300000002121", memberId: "m\u{1F}x\\y=", eventId: 123, betType: -1, parlayTicketNo: "", price: Money.parse("0.95"),
                          stake: Money.parse("123456789012345.123456789012")!, transTime: Date(timeIntervalSince1970: 1_785_000_000.123),
                          status: TicketStatus("half won"), settlementPrice: Money.parse("-0.000000000001"), currency: 51, oddsType: 3,
                          cashoutEnabled: true, alreadyCashout: true, cashoutPrice: Money.parse("7"), settlementTime: Date(timeIntervalSince1970: 1_785_000_100.5),
                          maxPayOut: Money.parse("1000"), parlayLegs: 4,
                          resettles: [Resettle(resettleDate: Date(timeIntervalSince1970: 1_785_000_050), balanceChange: true, status: TicketStatus("won"), reSettlePrice: Money.parse("12.5")!)])
        let bare = Ticket(transId: "1", memberId: "", stake: .zero, transTime: Date(timeIntervalSince1970: 0), status: TicketStatus("running"), currency: 3)
        for t in [full, bare] {
            let line = TicketLine.encode(t)
            #expect(!line.contains("\n"))
            #expect(try TicketLine.decode(line) == t)
        }
        #expect(try TicketLine.decode(TicketLine.encode(full)).parlayTicketNo == "")
        #expect(try TicketLine.decode(TicketLine.encode(bare)).parlayTicketNo == nil)
    }

    @Test func aDamagedLineIsAClearError() {
        #expect(throws: TicketLine.DecodeError.self) { try TicketLine.decode("=1\u{1F}=m") }
        let line = TicketLine.encode(Ticket(transId: "1", memberId: "m", stake: .zero, transTime: Date(), status: TicketStatus("running"), currency: 3))
        #expect(throws: TicketLine.DecodeError.self) { try TicketLine.decode(line.replacingOccurrences(of: "\u{1F}3\u{1F}", with: "\u{1F}x\u{1F}")) }
    }
}
