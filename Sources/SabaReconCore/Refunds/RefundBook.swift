import Foundation

/// JDB's Action 4 lines for one `transferId`, folded into one cancel.
public struct JdbCancelFold: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Answered 0000 (or any code but 6101/9017), or no answer logged: reverse the transfer once.
        case cancel(answer: String?)
        /// Answered 6101: the settlement stands and must not be reversed.
        case rejected
        /// Only 9017 so far: JDB will retry; nothing to judge yet.
        case pending
    }

    public var first: JdbCancel
    public var lines: [JdbCancel]

    /// The last logged answer that is not 9017 decides; a line with no logged answer counts as a cancel.
    public var outcome: Outcome {
        let decided = lines.filter { $0.answer != nil && $0.answer != "9017" }.max { $0.time < $1.time }
        if let decided {
            return decided.answer == "6101" ? .rejected : .cancel(answer: decided.answer)
        }
        if lines.contains(where: { $0.answer == nil }) { return .cancel(answer: nil) }
        return .pending
    }
}

/// Every record of the run's refund files, normalised and de-duplicated (pure).
public struct RefundBook: Sendable {
    public private(set) var ebet: [String: EbetRefund] = [:]
    public private(set) var jdb: [String: JdbCancelFold] = [:]
    /// One entry per (event, market, specifiers, start, end).
    public private(set) var cancels: [(cancel: BetCancel, market: CancelledMarket)] = []
    public private(set) var stops: [BetStop] = []
    public private(set) var malformed: [MalformedRecord] = []
    /// Malformed lines past `maxMalformed`: counted, not kept (a file of two million `{}`
    /// lines must not become two million report rows), with the first of them named.
    public private(set) var malformedNotListed = 0
    public private(set) var firstNotListed: MalformedRecord?
    public var maxMalformed: Int
    public private(set) var linesRead = 0
    public private(set) var recordsRecognised = 0
    public private(set) var duplicatesFolded = 0

    private var cancelKeys: Set<String> = []
    private var stopKeys: Set<String> = []

    public init(maxMalformed: Int = 1000) {
        self.maxMalformed = maxMalformed
    }

    public var isEmpty: Bool { linesRead == 0 }

    /// The earliest time a record's ledger movements can carry: its own time less `lookback`,
    /// or a bet_cancel's window start.
    public func earliestEvidence(lookback: TimeInterval) -> Date? {
        var times = ebet.values.map(\.time) + jdb.values.flatMap { $0.lines.map(\.time) } + stops.map(\.time)
        times += cancels.map { $0.cancel.start ?? $0.cancel.time }
        return times.min()?.addingTimeInterval(-lookback)
    }

    public mutating func add(_ parsed: RefundRecordParser.Parsed) {
        linesRead += 1
        switch parsed {
        case .blank:
            break
        case .malformed(let m):
            if malformed.count < maxMalformed {
                malformed.append(m)
            } else {
                if firstNotListed == nil { firstNotListed = m }
                malformedNotListed += 1
            }
        case .records(let records):
            for r in records { add(r) }
        }
    }

    mutating func add(_ record: RefundRecord) {
        recordsRecognised += 1
        switch record {
        case .ebet(let r):
            if let existing = ebet[r.seqNo] {
                duplicatesFolded += 1
                // The provider retried the batch: keep the version that carries the operator's answer.
                if existing.answer == nil && r.answer != nil { ebet[r.seqNo] = r }
            } else {
                ebet[r.seqNo] = r
            }
        case .jdb(let c):
            if jdb[c.transferId] != nil {
                duplicatesFolded += 1
                jdb[c.transferId]?.lines.append(c)
            } else {
                jdb[c.transferId] = JdbCancelFold(first: c, lines: [c])
            }
        case .betCancel(let c):
            for m in c.markets {
                let key = [c.eventId, m.id, m.specifiers.map { RefundMatcher.specifierSet($0).sorted().joined(separator: "|") } ?? "\u{0}", c.start.map { "\($0.timeIntervalSince1970)" } ?? "-",
                           c.end.map { "\($0.timeIntervalSince1970)" } ?? "-"].joined(separator: "\u{1}")
                if cancelKeys.insert(key).inserted {
                    cancels.append((c, m))
                } else {
                    duplicatesFolded += 1
                }
            }
        case .betStop(let s):
            let key = "\(s.eventId)\u{1}\(s.groups)\u{1}\(s.time.timeIntervalSince1970)"
            if stopKeys.insert(key).inserted { stops.append(s) } else { duplicatesFolded += 1 }
        }
    }
}
