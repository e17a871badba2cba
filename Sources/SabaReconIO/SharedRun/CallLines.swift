import SabaReconCore

/// A call's tickets as a worker holds them until it commits them: one store line per transId
/// in first-seen order, reduced as they arrive by `MoreSettledWins` within a call. Lines, not
/// decoded tickets: a worker holds up to `fetch_concurrency` calls at once, and the lines are
/// what it stores (a ticket held decoded, then reduced, then encoded, was three copies of a
/// call at its commit).
struct CallLines {
    private(set) var lines: [String] = []
    private var ranks: [Int64] = []
    private var at: [String: Int] = [:]

    init() {}

    init(_ tickets: [Ticket]) {
        for t in tickets { add(t) }
    }

    /// The lines, leaving this empty: the index of transIds is freed at once.
    mutating func drain() -> [String] {
        defer { self = CallLines() }
        return lines
    }

    mutating func add(_ t: Ticket) {
        let rank = t.settlementOrder
        if let i = at[t.transId] {
            guard MoreSettledWins.withinCall(rank, replaces: ranks[i]) else { return }
            lines[i] = TicketLine.encode(t)
            ranks[i] = rank
        } else {
            at[t.transId] = lines.count
            lines.append(TicketLine.encode(t))
            ranks.append(rank)
        }
    }
}
