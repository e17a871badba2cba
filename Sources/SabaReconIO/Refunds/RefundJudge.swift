import Foundation
import SabaReconCore

/// Feeds each refund record, with the ledger movements that belong to it (indexed lookups
/// in the run store), to the pure `RefundMatcher`, and gathers the verdicts.
struct RefundJudge {
    var store: RunStore
    var matcher: RefundMatcher

    func judge(_ book: RefundBook, into result: inout Reconciliation) throws {
        var seen: Set<String> = []
        var counters: [String: Int] = [
            "lines_read": book.linesRead, "records_recognised": book.recordsRecognised,
            "duplicates_folded": book.duplicatesFolded, "malformed_lines": book.malformed.count + book.malformedNotListed,
        ]
        func take(_ verdict: RefundMatcher.Verdict) {
            switch verdict {
            case .rows(let rows):
                for r in rows where seen.insert("\(r.provider)\u{1}\(r.transId)\u{1}\(r.kind.rawValue)").inserted {
                    result.add(rows: [r])
                }
            case .pending(let p):
                result.add(GroupOutcome(pending: p))
            case .notJudged(let reason):
                if reason != "not covered" { counters["not_judged: \(reason)", default: 0] += 1 }
            }
        }
        for m in book.malformed { result.add(rows: [matcher.malformed(m)]) }
        if let first = book.firstNotListed {
            result.add(rows: [matcher.malformedNotListed(count: book.malformedNotListed, first: first, limit: book.maxMalformed)])
            counters["malformed_not_listed"] = book.malformedNotListed
        }
        for seqNo in book.ebet.keys.sorted() {
            guard let r = book.ebet[seqNo] else { continue }
            take(matcher.ebet(r, round: try store.entries(provider: "ebet", ticketId: r.roundCode)))
        }
        for transferId in book.jdb.keys.sorted() {
            guard let fold = book.jdb[transferId] else { continue }
            take(matcher.jdb(fold, entries: try store.entries(provider: "jdb", ticketId: transferId)))
        }
        for (cancel, market) in book.cancels {
            for bet in try store.bets(provider: "feed", eventId: cancel.eventId, from: cancel.start, to: cancel.end)
            where RefundMatcher.covers(cancel, market, bet: bet) {
                take(matcher.cancel(cancel, market, bet: bet, entries: try store.entries(provider: "feed", ticketId: bet.ticketId)))
            }
        }
        for stop in book.stops {
            let until = RefundMatcher.neverReopens(stop) ? nil : stop.time.addingTimeInterval(matcher.betStopWindow)
            for bet in try store.bets(provider: "feed", eventId: stop.eventId, from: stop.time, to: until) {
                take(matcher.stop(stop, bet: bet))
            }
        }
        result.count(counters)
    }
}
