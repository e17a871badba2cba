import Foundation

/// One wallet movement from the operator's ledger (SPEC 1.3).
public struct LedgerEntry: Sendable, Equatable, Codable {
    public var entryId: String
    public var provider: String
    public var ticketId: String
    public var memberId: String
    /// `bet`, `settle`, `resettle`, `refund`, `cashout`, `cancel`.
    public var kind: String
    /// Signed from the player's side: a bet is negative.
    public var amount: Money
    public var currency: String
    public var createdAt: Date
    public var ref: String?
    public var eventId: String?
    public var marketId: String?
    public var specifiers: String?

    public init(
        entryId: String, provider: String, ticketId: String, memberId: String, kind: String,
        amount: Money, currency: String, createdAt: Date, ref: String? = nil,
        eventId: String? = nil, marketId: String? = nil, specifiers: String? = nil
    ) {
        self.entryId = entryId
        self.provider = provider
        self.ticketId = ticketId
        self.memberId = memberId
        self.kind = kind
        self.amount = amount
        self.currency = currency
        self.createdAt = createdAt
        self.ref = ref
        self.eventId = eventId
        self.marketId = marketId
        self.specifiers = specifiers
    }

    public static let kinds: Set<String> = ["bet", "settle", "resettle", "refund", "cashout", "cancel"]
}
