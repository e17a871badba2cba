import SabaReconCore

/// The one rule for a transId seen more than once in a run (in both calls of a window, in
/// two windows, in a retried attempt, by two workers): the more settled version wins
/// (`Ticket.settlementOrder`); between equals, the one staged first stays. Both stores apply
/// it as their upsert's condition; a batch sent in one PostgreSQL statement (which may not
/// touch a row twice) is first reduced the same way.
enum MoreSettledWins {
    /// The upsert's condition: the incoming row replaces `table`'s only when more settled.
    static func condition(table: String) -> String {
        "WHERE excluded.settlement_rank > \(table).settlement_rank"
    }

    /// One ticket per transId, as the condition would leave them, in first-seen order.
    static func reduce(_ tickets: [Ticket]) -> [Ticket] {
        var at: [String: Int] = [:]
        var kept: [Ticket] = []
        kept.reserveCapacity(tickets.count)
        for t in tickets {
            if let i = at[t.transId] {
                if t.settlementOrder > kept[i].settlementOrder { kept[i] = t }
            } else {
                at[t.transId] = kept.count
                kept.append(t)
            }
        }
        return kept
    }
}
