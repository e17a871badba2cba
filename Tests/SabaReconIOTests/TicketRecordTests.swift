import Foundation
import GRDB
import Testing
import TestSupport
import SabaReconCore
@testable import SabaReconIO

@Suite struct TicketRecordTests {
    static let full = Ticket(
        transId: "T-1", memberId: "m\u{0}\u{1F}é\u{301}<,", eventId: -5, betType: Int64.max, parlayTicketNo: "",
        price: Money.parse("-0.000000000001"), stake: Money.parse("999999999999999.999999999999") ?? .zero,
        transTime: Date(timeIntervalSince1970: -1.25), status: TicketStatus("half won"), settlementPrice: Money.parse("1e3"),
        currency: Int(Int32.max) + 9, oddsType: 0, cashoutEnabled: true, alreadyCashout: true, cashoutPrice: .zero,
        settlementTime: Date(timeIntervalSince1970: 1_785_000_000.123), maxPayOut: Money.parse("-12.5"), parlayLegs: 3,
        resettles: [Resettle(resettleDate: nil, balanceChange: true, status: TicketStatus("mystery\u{0}"), reSettlePrice: Money.parse("-1") ?? .zero),
                    Resettle(resettleDate: Date(timeIntervalSince1970: 0), balanceChange: false, status: .lose, reSettlePrice: .zero)])
    static let bare = Ticket(transId: "2", memberId: "", stake: .zero, transTime: Date(timeIntervalSince1970: 0), status: .running, currency: 0)

    func blob(_ t: Ticket) -> [UInt8] {
        var out: [UInt8] = []
        TicketRecord.encode(t, into: &out)
        return out
    }

    /// Every field comes back exactly, present or absent, through the run store too.
    @Test func aTicketComesBackExactly() throws {
        for t in [Self.full, Self.bare] {
            #expect(try blob(t).withUnsafeBytes { try TicketRecord.decode(transId: t.transId, $0) } == t)
        }
        let store = try RunStore.inMemory()
        try store.stage([Self.full, Self.bare], order: 7)
        #expect(try store.stagedTickets().map(\.ticket) == [Self.bare, Self.full])
        #expect(try store.stagedTickets().map(\.callOrder) == [7, 7])
    }

    /// A blob cut short anywhere, or one that claims more resettles than its bytes hold, is
    /// an error naming the ticket and the byte, never a read past its end or a long loop.
    @Test func aDamagedBodyIsAnErrorNamingItsTicket() throws {
        let bytes = blob(Self.full)
        for cut in 0..<bytes.count {
            let error = #expect(throws: RunStoreError.self) { try Array(bytes[0..<cut]).withUnsafeBytes { try TicketRecord.decode(transId: "T-1", $0) } }
            #expect(error?.description.hasPrefix("run store: ticket T-1's stored body is damaged at byte") == true)
        }
        var huge = blob(Self.bare)
        huge.replaceSubrange((huge.count - 4)..., with: [0xFF, 0xFF, 0xFF, 0x7F])
        let error = #expect(throws: RunStoreError.self) { try huge.withUnsafeBytes { try TicketRecord.decode(transId: "2", $0) } }
        #expect(error?.description.contains("resettles in 0 bytes") == true)
        var version = blob(Self.bare)
        version[0] = 9
        #expect(throws: RunStoreError.self) { try version.withUnsafeBytes { try TicketRecord.decode(transId: "2", $0) } }
    }

    /// A run.sqlite of the column-per-field layout (a run killed under the previous
    /// version) keeps its tickets, their call order and its calls when opened now.
    @Test func aRunStoreOfTheColumnLayoutKeepsItsTickets() throws {
        let dir = TestTemp.url("saba-recon-v3")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: dir.appendingPathComponent(RunStore.ticketsFile).path)
        try RunStore.ticketMigrator.migrate(queue, upTo: "tickets-v3-call-order")
        try queue.write { db in
            // As the previous version's upsert bound them: money as INTEGER millionths or exact text.
            try db.execute(sql: """
                INSERT INTO tickets (trans_id, settlement_rank, member_id, event_id, bet_type, parlay_ticket_no, price, stake,
                    trans_time, status, settlement_price, currency, odds_type, cashout_enabled, already_cashout, cashout_price,
                    settlement_time, max_payout, parlay_legs, resettles, call_order)
                VALUES ('T-1', 0, 'm1', 55, 1, NULL, 1950000, '0.0000001', 1785000000.5, 'half won', NULL, 51, 3, 1, 0, 0,
                    1785003600, 1000000000, 2, '[{"d":1785000100,"b":true,"s":"lose","p":"-12.5"}]', 4),
                       ('T-2', 0, 'm2', NULL, NULL, 'P9', NULL, 5000000, 1785000001, 'running', NULL, 3, NULL, 0, 0, NULL,
                    NULL, NULL, 0, NULL, 1);
                INSERT INTO windows VALUES (0, 0, 1785000000, 1785086400, 0, 2, 100, 1, 0.5);
                """)
        }
        let store = try RunStore.files(in: dir)
        let expected = [
            (Ticket(transId: "T-1", memberId: "m1", eventId: 55, betType: 1, price: Money.parse("1.95"), stake: Money.parse("0.0000001") ?? .zero,
                    transTime: Date(timeIntervalSince1970: 1_785_000_000.5), status: .halfWon, currency: 51, oddsType: 3, cashoutEnabled: true,
                    cashoutPrice: .zero, settlementTime: Date(timeIntervalSince1970: 1_785_003_600), maxPayOut: Money.parse("1000"), parlayLegs: 2,
                    resettles: [Resettle(resettleDate: Date(timeIntervalSince1970: 1_785_000_100), balanceChange: true, status: .lose,
                                         reSettlePrice: Money.parse("-12.5") ?? .zero)]), 4),
            (Ticket(transId: "T-2", memberId: "m2", parlayTicketNo: "P9", stake: Money.parse("5") ?? .zero,
                    transTime: Date(timeIntervalSince1970: 1_785_000_001), status: .running, currency: 3), 1),
        ]
        let staged = try store.stagedTickets()
        #expect(staged.map(\.ticket) == expected.map(\.0))
        #expect(staged.map(\.callOrder) == expected.map(\.1))
        #expect(try store.committedCalls().count == 1)
    }
}
