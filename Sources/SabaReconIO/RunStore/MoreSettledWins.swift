import SabaReconCore

/// The one rule for a transId seen more than once in a run (in both calls of a window, in
/// two windows, in a retried attempt, by two workers, by calls in flight together): the
/// more settled version wins (`Ticket.settlementOrder`); between equals, the one from the
/// call earlier in the plan (`FetchCall.planOrder`) stays, and within one call the one
/// staged last (a retried attempt's, or a resumed run's fetch over what a killed attempt
/// left) replaces it. So the staged tickets, and the reports, are the same whatever order
/// the calls finished in and whatever was cut short before. Both stores apply it as their upsert's condition; a batch sent in one
/// PostgreSQL statement (which may not touch a row twice) is first reduced the same way.
enum MoreSettledWins {
    /// The upsert's condition: the incoming row replaces `table`'s only when more settled,
    /// or as settled and from the same or an earlier call.
    static func condition(table: String) -> String {
        """
        WHERE excluded.settlement_rank > \(table).settlement_rank
           OR (excluded.settlement_rank = \(table).settlement_rank AND excluded.call_order <= \(table).call_order)
        """
    }

    /// One ticket per transId of one call's batch, as the condition would leave them, in
    /// first-seen order.
    static func reduce(_ tickets: [Ticket]) -> [Ticket] {
        var at: [String: Int] = [:]
        var kept: [Ticket] = []
        kept.reserveCapacity(tickets.count)
        for t in tickets {
            if let i = at[t.transId] {
                if t.settlementOrder >= kept[i].settlementOrder { kept[i] = t }
            } else {
                at[t.transId] = kept.count
                kept.append(t)
            }
        }
        return kept
    }
}
