import Foundation

/// One field that differs between the provider and the ledger.
public struct FieldDifference: Sendable, Equatable, Codable {
    public var field: String
    public var provider: String
    public var ledger: String

    public init(field: String, provider: String, ledger: String) {
        self.field = field
        self.provider = provider
        self.ledger = ledger
    }
}

/// One report row: a (ticket, kind) pair with both sides' numbers. Money is in ledger
/// units (Saba thousand-unit currencies already multiplied).
public struct Discrepancy: Sendable, Equatable, Codable {
    public var windowStart: Date
    public var windowEnd: Date
    public var provider: String
    public var kind: DiscrepancyKind
    public var transId: String
    public var memberId: String
    public var currency: String
    public var providerStatus: String
    public var providerStake: Money?
    public var providerNet: Money?
    public var ledgerNet: Money?
    public var detail: String
    public var fields: [FieldDifference]
    public var ledgerEntryIds: [String]
    /// When the break happened (SPEC §9): the ticket's transTime, the ledger row's
    /// created_at for `missing_at_provider`, the record's time for a refund kind. Kept by the
    /// break book to tell whether a later run covered it; nil where not known.
    public var occurredAt: Date? = nil
    /// For a row without a trans id of its own (`malformed_record`): the SHA-256 of the
    /// line's bytes, which names the break across nights.
    public var evidenceDigest: String? = nil

    public init(
        window: FetchWindow, provider: String, kind: DiscrepancyKind, transId: String, memberId: String,
        currency: String, providerStatus: String = "", providerStake: Money? = nil, providerNet: Money? = nil,
        ledgerNet: Money? = nil, detail: String, fields: [FieldDifference] = [], ledgerEntryIds: [String] = []
    ) {
        self.windowStart = window.start
        self.windowEnd = window.end
        self.provider = provider
        self.kind = kind
        self.transId = transId
        self.memberId = memberId
        self.currency = currency
        self.providerStatus = providerStatus
        self.providerStake = providerStake
        self.providerNet = providerNet
        self.ledgerNet = ledgerNet
        self.detail = detail
        self.fields = fields
        self.ledgerEntryIds = ledgerEntryIds
    }

    /// This row with the time its break happened (SPEC §9).
    public func occurred(_ date: Date?) -> Discrepancy {
        var row = self
        row.occurredAt = date
        return row
    }

    /// This row named by its evidence's bytes (a malformed line, SPEC §9).
    public func evidenced(_ digest: String?) -> Discrepancy {
        var row = self
        row.evidenceDigest = digest
        return row
    }

    /// `ledger_net - provider_net`: positive means the player was over-credited.
    public var difference: Money? {
        switch (ledgerNet, providerNet) {
        case let (l?, p?): return l - p
        case let (l?, nil): return l
        case let (nil, p?): return -p
        default: return nil
        }
    }

    /// The report order: (window_start, kind, trans_id), then the rest for a total order.
    public static func reportOrder(_ a: Discrepancy, _ b: Discrepancy) -> Bool {
        if a.windowStart != b.windowStart { return a.windowStart < b.windowStart }
        if a.kind != b.kind { return a.kind < b.kind }
        if a.transId != b.transId { return IdentifierOrder.less(a.transId, b.transId) }
        if a.provider != b.provider { return a.provider < b.provider }
        return a.detail < b.detail
    }
}

/// Orders ids numerically when both are digit strings (Saba's longs), else as text.
public enum IdentifierOrder {
    public static func less(_ a: String, _ b: String) -> Bool {
        let aDigits = !a.isEmpty && a.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
        let bDigits = !b.isEmpty && b.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
        if aDigits && bDigits {
            let a2 = a.drop { $0 == "0" }, b2 = b.drop { $0 == "0" }
            if a2.count != b2.count { return a2.count < b2.count }
            if a2 != b2 { return a2 < b2 }
        }
        return a < b
    }
}

/// A ticket (or ledger bet) too young to judge: inside the grace period.
public struct PendingItem: Sendable, Equatable, Codable {
    public var provider: String
    public var transId: String
    public var currency: String
    public var since: Date

    public init(provider: String, transId: String, currency: String, since: Date) {
        self.provider = provider
        self.transId = transId
        self.currency = currency
        self.since = since
    }
}
