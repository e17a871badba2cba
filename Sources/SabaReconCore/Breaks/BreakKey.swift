import Foundation

/// What identifies a break across nights (SPEC §9): its provider, kind and trans id. A row
/// without a trans id of its own (a `malformed_record`) is named by a hash of the line's
/// bytes instead, so the same bad line is the same break every night wherever it moved.
public struct BreakKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var provider: String
    public var kind: DiscrepancyKind
    public var transId: String

    public init(provider: String, kind: DiscrepancyKind, transId: String) {
        self.provider = provider
        self.kind = kind
        self.transId = transId
    }

    /// The key of a report row.
    public init(_ row: Discrepancy) {
        self.init(provider: row.provider, kind: row.kind, transId: row.evidenceDigest.map { "sha256:\($0)" } ?? row.transId)
    }

    /// A short stable id printed on every row: 16 hex digits of the key's SHA-256 (fields
    /// joined by a unit separator, which no id contains), so it is the same on every night,
    /// machine and version.
    public var breakId: String {
        let bytes = Array("\(provider)\u{1F}\(kind.rawValue)\u{1F}\(transId)".utf8)
        return "B" + String(SHA256.hex(bytes).prefix(16))
    }

    /// Which input raises a break of this kind: Saba's tickets (with the wallet ledger) for
    /// the ticket kinds, the provider's own refund records for the refund kinds. A run that
    /// did not read that input cannot resolve the break (SPEC §9, covered).
    public var source: String { kind.isTicketKind ? "saba" : provider }

    public var description: String { "\(provider)/\(kind.rawValue)/\(transId)" }
}

extension DiscrepancyKind {
    /// Kinds found by comparing Saba's tickets with the ledger (SPEC §3), as against those
    /// found from a provider's refund records.
    public var isTicketKind: Bool {
        switch self {
        case .missingInLedger, .missingAtProvider, .memberMismatch, .currencyMismatch, .duplicateEntry, .stakeMismatch,
             .refundMissing, .resettleNotApplied, .payoutMissing, .settledWhileRunning, .netMismatch, .unknownStatus:
            true
        case .refundNotApplied, .refundAppliedTwice, .refundAmountMismatch, .refundWithoutBet, .refundAppliedAfterFailure,
             .refundReversedAfterReject, .settlementMissingAfterReject, .refundUnresolved, .voidNotApplied, .acceptedAfterBetStop,
             .malformedRecord:
            false
        }
    }
}
