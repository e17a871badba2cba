import Foundation
import Testing
@testable import SabaReconCore

/// SPEC §9's rules, night by night, on the pure book.
@Suite struct BreakBookTests {
    static let night1 = UTCTime.parse("2026-07-20T02:00:00Z")!
    static let window = FetchWindow(index: 0, start: UTCTime.parse("2026-06-01T00:00:00Z")!, end: UTCTime.parse("2026-07-01T00:00:00Z")!)
    static let range = TimeRange(start: UTCTime.parse("2026-01-22T00:00:00Z")!, end: UTCTime.parse("2026-07-21T00:00:00Z")!)
    static let everything = BreakBook.Coverage(range: range, sources: ["saba", "ebet", "jdb", "feed"])

    static func row(_ id: String, _ kind: DiscrepancyKind = .netMismatch, provider: String = "saba", ledger: String = "10.00", owed: String = "12.00",
                    at: String = "2026-06-10T10:00:00Z") -> Discrepancy {
        var r = Discrepancy(window: window, provider: provider, kind: kind, transId: id, memberId: "m", currency: "USD",
                            providerNet: Money.parse(owed), ledgerNet: Money.parse(ledger), detail: "test")
        r.occurredAt = UTCTime.parse(at)
        return r
    }

    static func day(_ n: Int) -> Date { night1.addingTimeInterval(Double(n) * 86_400) }

    @Test func fourNights() throws {
        // Night 1: everything is new.
        let first = BreakBook().night([Self.row("1"), Self.row("2"), Self.row("3")], coverage: Self.everything, now: Self.day(0), runId: "R1")
        #expect(first.annotations.map(\.status) == [.new, .new, .new])
        #expect(first.annotations.map(\.ageDays) == [0, 0, 0])
        #expect(FailOn.unacknowledged.fails(first.annotations.map(\.status)))

        // Between nights: 1 acknowledged, 2 fixed in the ledger; night 2 adds 4.
        var book = first.book
        let id1 = BreakKey(Self.row("1")).breakId
        let ack = try book.acknowledge(id1, by: "ana", reason: "provider error, ticket 1 credited by hand", until: nil, at: Self.day(0).addingTimeInterval(3600))
        #expect(ack.action == .acknowledged)
        let second = book.night([Self.row("1"), Self.row("3"), Self.row("4")], coverage: Self.everything, now: Self.day(1), runId: "R2")
        #expect(second.annotations.map(\.status) == [.acknowledged, .open, .new])
        #expect(second.annotations.map(\.ageDays) == [1, 1, 0])
        #expect(second.annotations[0].note.contains("acknowledged by ana") && second.annotations[0].note.contains("provider error"))
        #expect(second.resolved.map(\.key.transId) == ["2"])
        #expect(second.resolved.first?.resolvedBy == "R2")
        let statuses = second.annotations.map(\.status)
        #expect(FailOn.unacknowledged.fails(statuses) && FailOn.new.fails(statuses) && FailOn.any.fails(statuses))
        #expect(!FailOn.unacknowledged.fails([.acknowledged]) && FailOn.any.fails([.acknowledged]) && !FailOn.new.fails([.open, .acknowledged]))

        // Night 3: the acknowledged break's amount changes: the acknowledgement lapses.
        let third = second.book.night([Self.row("1", ledger: "9.00"), Self.row("3"), Self.row("4")], coverage: Self.everything, now: Self.day(2), runId: "R3")
        #expect(third.annotations.map(\.status) == [.changed, .open, .open])
        #expect(third.events.map(\.action) == [.lapsed])
        #expect(third.events.first?.reason == "the difference changed from -2.00 to -3.00")
        #expect(third.annotations[0].note.hasPrefix("acknowledgement lapsed"))

        // Night 4: the resolved break comes back.
        let fourth = third.book.night([Self.row("1", ledger: "9.00"), Self.row("2"), Self.row("3"), Self.row("4")], coverage: Self.everything, now: Self.day(3), runId: "R4")
        #expect(fourth.annotations.map(\.status) == [.open, .reopened, .open, .open])
        #expect(fourth.annotations[1].ageDays == 3, "a reopened break keeps its first_seen")
        #expect(fourth.resolved.isEmpty)
    }

    @Test func aRunResolvesOnlyWhatItCovered() {
        let book = BreakBook().night([Self.row("in"), Self.row("out", at: "2026-05-01T00:00:00Z"), Self.row("r", .refundNotApplied, provider: "ebet")],
                                     coverage: Self.everything, now: Self.day(0), runId: "R1").book
        // A manual re-run of June without --refunds: "out" (May) and the eBET break stay open.
        let june = BreakBook.Coverage(range: TimeRange(start: UTCTime.parse("2026-06-01T00:00:00Z")!, end: UTCTime.parse("2026-07-01T00:00:00Z")!), sources: ["saba"])
        let manual = book.night([], coverage: june, now: Self.day(0), runId: "M1")
        #expect(manual.resolved.map(\.key.transId) == ["in"])
        #expect(manual.book.breaks.values.filter { !$0.isResolved }.map(\.key.transId).sorted() == ["out", "r"])
        // With eBET's records read, its break is resolved too.
        let withRefunds = manual.book.night([], coverage: BreakBook.Coverage(range: Self.range, sources: ["saba", "ebet"]), now: Self.day(1), runId: "R2")
        #expect(withRefunds.resolved.map(\.key.transId).sorted() == ["out", "r"])
    }

    @Test func acknowledgementsAreCheckedAndLapseWhenTheirDayHasPassed() throws {
        var book = BreakBook().night([Self.row("1")], coverage: Self.everything, now: Self.day(0), runId: "R1").book
        let id = BreakKey(Self.row("1")).breakId
        #expect(throws: BreakBook.Refused.self) { try book.acknowledge("Bnope", by: "ana", reason: "x", until: nil, at: Self.day(0)) }
        #expect(throws: BreakBook.Refused.self) { try book.acknowledge(id, by: "ana", reason: "  ", until: nil, at: Self.day(0)) }
        #expect(throws: BreakBook.Refused.self) { try book.acknowledge(id, by: "ana", reason: "x", until: BreakBook.day(Self.day(-1)), at: Self.day(0)) }
        #expect(throws: BreakBook.Refused.self) { try book.withdraw(id, by: "ana", reason: "x", at: Self.day(0)) }
        _ = try book.acknowledge(id, by: "ana", reason: "write-off approved", until: BreakBook.day(Self.day(1)), at: Self.day(0))
        let holds = book.night([Self.row("1")], coverage: Self.everything, now: Self.day(1), runId: "R2")
        #expect(holds.annotations.map(\.status) == [.acknowledged])
        let lapsed = holds.book.night([Self.row("1")], coverage: Self.everything, now: Self.day(2), runId: "R3")
        #expect(lapsed.annotations.map(\.status) == [.open])
        #expect(lapsed.events.first?.reason == "it was acknowledged until 2026-07-21")
        var withdrawn = holds.book
        #expect(try withdrawn.withdraw(id, by: "bo", reason: "not approved after all", at: Self.day(1)).action == .withdrawn)
        #expect(withdrawn.night([Self.row("1")], coverage: Self.everything, now: Self.day(1), runId: "R2b").annotations.map(\.status) == [.open])
    }

    @Test func idsAreShortStableAndMalformedLinesGoByTheirBytes() {
        #expect(BreakKey(provider: "saba", kind: .netMismatch, transId: "1").breakId == BreakKey(Self.row("1")).breakId)
        #expect(BreakKey(Self.row("1")).breakId.count == 17)
        #expect(BreakKey(Self.row("1")).breakId != BreakKey(Self.row("1", .payoutMissing)).breakId)
        var a = Self.row("/srv/refunds/a.jsonl:7", .malformedRecord, provider: "ebet")
        a.evidenceDigest = "ab12"
        var b = Self.row("/srv/refunds/b.jsonl:9", .malformedRecord, provider: "ebet")
        b.evidenceDigest = "ab12"
        #expect(BreakKey(a) == BreakKey(b))
        #expect(BreakKey(a).source == "ebet" && BreakKey(Self.row("1")).source == "saba")
    }

    @Test func agingByCurrencyAndBucketWithAcknowledgedApart() throws {
        var book = BreakBook().night([Self.row("old")], coverage: Self.everything, now: Self.day(0), runId: "R1").book
        book = book.night([Self.row("old"), Self.row("mid", ledger: "15.00")], coverage: Self.everything, now: Self.day(10), runId: "R2").book
        _ = try book.acknowledge(BreakKey(Self.row("mid")).breakId, by: "ana", reason: "known", until: nil, at: Self.day(10))
        book = book.night([Self.row("old"), Self.row("mid", ledger: "15.00"), Self.row("young")], coverage: Self.everything, now: Self.day(12), runId: "R3").book
        let rows = BreakAging.rows(book, today: BreakBook.day(Self.day(12)))
        #expect(rows.map { "\($0.currency) \($0.bucket) \($0.open) \(Money.format($0.openAmount)) \($0.acknowledged) \(Money.format($0.acknowledgedAmount))" }
            == ["USD 0-1d 1 2.00 0 0.00", "USD 2-7d 0 0.00 1 3.00", "USD 8-30d 1 2.00 0 0.00"])
    }
}
