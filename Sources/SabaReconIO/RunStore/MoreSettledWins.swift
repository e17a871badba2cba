import SabaReconCore

/// The one rule for a transId seen more than once in a run (in both calls of a window, in
/// two windows, in a retried attempt, by two workers, by calls in flight together): the
/// more settled version wins (`Ticket.settlementOrder`); between equals, the one from the
/// call earlier in the plan (`FetchCall.planOrder`) stays, and within one call the one
/// staged last (a retried attempt's, or a resumed run's fetch over what a killed attempt
/// left) replaces it when it is at least as settled (a version that went back, or one the
/// fetch again no longer returns, leaves the more settled one staged, as between any two
/// versions of a run). So the staged tickets, and the reports, are the same whatever order
/// the calls finished in and whatever was cut short before. The run stores apply it as their upsert's condition; a shared store's
/// worker reduces each call's tickets the same way as they arrive (`CallLines`), and its
/// publisher's `run.sqlite` reduces those of different calls.
enum MoreSettledWins {
    /// The upsert's condition: the incoming row replaces `table`'s only when more settled,
    /// or as settled and from the same or an earlier call.
    static func condition(table: String) -> String {
        """
        WHERE excluded.settlement_rank > \(table).settlement_rank
           OR (excluded.settlement_rank = \(table).settlement_rank AND excluded.call_order <= \(table).call_order)
        """
    }

    /// Within one call (the same call order): whether a version of rank `incoming`, staged
    /// after one of rank `kept`, replaces it, as the condition would.
    static func withinCall(_ incoming: Int64, replaces kept: Int64) -> Bool { incoming >= kept }
}
