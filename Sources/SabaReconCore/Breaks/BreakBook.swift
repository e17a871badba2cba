import Foundation

/// The break book's rules (SPEC §9), pure: what a night's rows mean against what the book
/// held, which breaks the night resolved, and what people's acknowledgements do. The store
/// (`BreakBookStore`) loads and saves; nothing here touches a file or a clock.
public struct BreakBook: Sendable, Equatable {
    public private(set) var breaks: [String: BreakRecord]

    public init(_ records: [BreakRecord] = []) {
        breaks = Dictionary(records.map { ($0.breakId, $0) }) { a, _ in a }
    }

    /// What a run read, so that only breaks it could have seen again are resolved: the run's
    /// range, and the inputs (`saba` for Saba's tickets and the ledger, a refund provider's
    /// name for its records).
    public struct Coverage: Sendable, Equatable {
        public var range: TimeRange
        public var sources: Set<String>

        public init(range: TimeRange, sources: Set<String>) {
            self.range = range
            self.sources = sources
        }

        public func covers(_ record: BreakRecord) -> Bool {
            sources.contains(record.key.source) && record.occurredAt >= range.start && record.occurredAt < range.end
        }
    }

    /// What the book says about one reported row.
    public struct Annotation: Sendable, Equatable {
        public var breakId: String
        public var status: BreakStatus
        /// UTC day (days since 1970-01-01).
        public var firstSeen: Int
        public var ageDays: Int
        public var note: String

        public init(breakId: String, status: BreakStatus, firstSeen: Int, ageDays: Int, note: String) {
            self.breakId = breakId
            self.status = status
            self.firstSeen = firstSeen
            self.ageDays = ageDays
            self.note = note
        }
    }

    /// One night against the book.
    public struct Night: Sendable, Equatable {
        /// One per reported row, in the rows' order.
        public var annotations: [Annotation]
        /// The book after the night.
        public var book: BreakBook
        /// Breaks this night resolved, in break id order.
        public var resolved: [BreakRecord]
        /// Acknowledgements that lapsed this night.
        public var events: [BreakEvent]
    }

    /// The night of `rows`, judged at `now` by run `runId` that read `coverage`.
    public func night(_ rows: [Discrepancy], coverage: Coverage, now: Date, runId: String) -> Night {
        let today = Self.day(now)
        var next = breaks
        var annotations: [Annotation] = []
        var events: [BreakEvent] = []
        var seen: Set<String> = []
        annotations.reserveCapacity(rows.count)
        for row in rows {
            let key = BreakKey(row)
            let id = key.breakId
            let difference = row.difference
            // Two rows of one break in a night (one ticket, one kind, two providers' views) share it.
            if seen.contains(id), let record = next[id] {
                annotations.append(Annotation(breakId: id, status: record.status, firstSeen: record.firstSeen,
                                              ageDays: max(0, today - record.firstSeen), note: Self.note(record)))
                continue
            }
            seen.insert(id)
            var record: BreakRecord
            var status: BreakStatus
            var lapse: String?
            if var old = next[id] {
                if old.isResolved {
                    status = .reopened
                    if old.acknowledgement != nil { lapse = "the break was resolved and is back" }
                    old.acknowledgement = nil
                    old.resolvedAt = nil
                    old.resolvedBy = nil
                } else if old.lastDifference == difference && old.lastLedgerNet == row.ledgerNet {
                    status = .open
                } else {
                    status = .changed
                }
                if let ack = old.acknowledgement {
                    if ack.difference != difference || ack.ledgerNet != row.ledgerNet {
                        lapse = "the difference changed from \(Self.text(ack.difference)) to \(Self.text(difference))"
                    } else if let until = ack.until, until < today {
                        lapse = "it was acknowledged until \(MatchPolicy.dayText(until))"
                    }
                    if lapse != nil { old.acknowledgement = nil }
                }
                record = old
            } else {
                status = .new
                record = BreakRecord(key: key, currency: row.currency, firstSeen: today, lastSeen: today,
                                     occurredAt: row.occurredAt ?? row.windowStart, lastDifference: difference, lastLedgerNet: row.ledgerNet, status: .new)
            }
            if let lapse {
                events.append(BreakEvent(breakId: id, action: .lapsed, by: "saba-recon", reason: lapse, at: now, runId: runId))
            }
            if record.acknowledgement != nil { status = .acknowledged }
            record.status = status
            record.lastSeen = today
            record.lastDifference = difference
            record.lastLedgerNet = row.ledgerNet
            record.currency = row.currency
            if let occurred = row.occurredAt { record.occurredAt = occurred }
            next[id] = record
            annotations.append(Annotation(breakId: id, status: status, firstSeen: record.firstSeen, ageDays: max(0, today - record.firstSeen),
                                          note: lapse.map { "acknowledgement lapsed: \($0)" } ?? Self.note(record)))
        }
        var resolved: [BreakRecord] = []
        for id in breaks.keys.sorted() where !seen.contains(id) {
            guard var record = next[id], !record.isResolved, coverage.covers(record) else { continue }
            record.resolvedAt = now
            record.resolvedBy = runId
            next[id] = record
            resolved.append(record)
        }
        var book = self
        book.breaks = next
        return Night(annotations: annotations, book: book, resolved: resolved, events: events)
    }

    /// Why an acknowledgement or withdrawal was refused.
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A person's acknowledgement of an open break, for its current difference.
    public mutating func acknowledge(_ id: String, by: String, reason: String, until: Int?, at: Date) throws -> BreakEvent {
        guard var record = breaks[id] else { throw Refused(description: "the break book holds no break \(id)") }
        guard !record.isResolved else { throw Refused(description: "break \(id) (\(record.key)) is resolved; nothing to acknowledge") }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw Refused(description: "break \(id): an acknowledgement needs a reason") }
        if let until, until < Self.day(at) { throw Refused(description: "break \(id): --until \(MatchPolicy.dayText(until)) is already past") }
        record.acknowledgement = Acknowledgement(by: by, reason: reason, at: at, until: until, difference: record.lastDifference, ledgerNet: record.lastLedgerNet)
        breaks[id] = record
        return BreakEvent(breakId: id, action: .acknowledged, by: by, reason: reason, at: at, until: until)
    }

    /// Withdraws a break's acknowledgement.
    public mutating func withdraw(_ id: String, by: String, reason: String, at: Date) throws -> BreakEvent {
        guard var record = breaks[id] else { throw Refused(description: "the break book holds no break \(id)") }
        guard record.acknowledgement != nil else { throw Refused(description: "break \(id) (\(record.key)) is not acknowledged") }
        record.acknowledgement = nil
        breaks[id] = record
        return BreakEvent(breakId: id, action: .withdrawn, by: by, reason: reason, at: at)
    }

    /// People's acknowledgements and withdrawals made since this book was read (the stored
    /// records of the breaks they touched) kept over a night judged on the older book: the
    /// night's statuses stand, a person's act is not undone. A break the night resolved stays resolved.
    public mutating func keepAcknowledgements(of records: [BreakRecord]) {
        for stored in records {
            guard var mine = breaks[stored.breakId], !mine.isResolved else { continue }
            mine.acknowledgement = stored.acknowledgement
            breaks[stored.breakId] = mine
        }
    }

    /// The break of a provider, kind and trans id, if the book holds it.
    public func find(provider: String, kind: DiscrepancyKind, transId: String) -> BreakRecord? {
        breaks[BreakKey(provider: provider, kind: kind, transId: transId).breakId]
    }

    /// A `YYYY-MM-DD` date (an acknowledgement's `until`) as UTC days since 1970-01-01.
    public static func day(parsing text: String) -> Int? {
        UTCTime.parse(text + "T00:00:00Z").map(day)
    }

    /// UTC days since 1970-01-01.
    public static func day(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    static func text(_ money: Money?) -> String { money.map { Money.format($0) } ?? "none" }

    static func note(_ record: BreakRecord) -> String {
        guard let ack = record.acknowledgement else { return "" }
        return "acknowledged by \(ack.by) on \(UTCTime.iso(ack.at)): \(ack.reason)\(ack.until.map { " (until \(MatchPolicy.dayText($0)))" } ?? "")"
    }
}
