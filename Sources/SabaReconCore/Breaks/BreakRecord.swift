import Foundation

/// A person's acknowledgement of a break: who, when, why, until when, and the difference it
/// was given for (it lapses when that changes, SPEC §9).
public struct Acknowledgement: Sendable, Equatable, Codable {
    public var by: String
    public var reason: String
    public var at: Date
    /// The last UTC day it holds (days since 1970-01-01), nil: until the difference changes.
    public var until: Int?
    public var difference: Money?
    public var ledgerNet: Money?

    public init(by: String, reason: String, at: Date, until: Int?, difference: Money?, ledgerNet: Money?) {
        self.by = by
        self.reason = reason
        self.at = at
        self.until = until
        self.difference = difference
        self.ledgerNet = ledgerNet
    }
}

/// One break as the book keeps it across nights.
public struct BreakRecord: Sendable, Equatable, Codable {
    public var key: BreakKey
    public var currency: String
    /// UTC days (since 1970-01-01) of the run's `now` when it was first and last reported.
    public var firstSeen: Int
    public var lastSeen: Int
    /// When it happened (the row's `occurredAt`, else its window's start): what coverage is judged by.
    public var occurredAt: Date
    public var lastDifference: Money?
    public var lastLedgerNet: Money?
    /// The status the last run that reported it gave it.
    public var status: BreakStatus
    /// Set while resolved: when, and by which run.
    public var resolvedAt: Date?
    public var resolvedBy: String?
    /// The acknowledgement that holds, if any.
    public var acknowledgement: Acknowledgement?

    public init(key: BreakKey, currency: String, firstSeen: Int, lastSeen: Int, occurredAt: Date, lastDifference: Money?, lastLedgerNet: Money?,
                status: BreakStatus, resolvedAt: Date? = nil, resolvedBy: String? = nil, acknowledgement: Acknowledgement? = nil) {
        self.key = key
        self.currency = currency
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.occurredAt = occurredAt
        self.lastDifference = lastDifference
        self.lastLedgerNet = lastLedgerNet
        self.status = status
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.acknowledgement = acknowledgement
    }

    public var breakId: String { key.breakId }
    public var isResolved: Bool { resolvedAt != nil }
}
