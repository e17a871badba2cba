/// The discrepancy kinds of SPEC §3, spelled exactly as in the reports.
public enum DiscrepancyKind: String, Sendable, Codable, CaseIterable, Comparable {
    case missingInLedger = "missing_in_ledger"
    case missingAtProvider = "missing_at_provider"
    case memberMismatch = "member_mismatch"
    case currencyMismatch = "currency_mismatch"
    case duplicateEntry = "duplicate_entry"
    case stakeMismatch = "stake_mismatch"
    case refundMissing = "refund_missing"
    case resettleNotApplied = "resettle_not_applied"
    case payoutMissing = "payout_missing"
    case settledWhileRunning = "settled_while_running"
    case netMismatch = "net_mismatch"
    case unknownStatus = "unknown_status"
    case refundNotApplied = "refund_not_applied"
    case refundAppliedTwice = "refund_applied_twice"
    case refundAmountMismatch = "refund_amount_mismatch"
    case refundWithoutBet = "refund_without_bet"
    case refundAppliedAfterFailure = "refund_applied_after_failure"
    case refundReversedAfterReject = "refund_reversed_after_reject"
    case settlementMissingAfterReject = "settlement_missing_after_reject"
    case refundUnresolved = "refund_unresolved"
    case voidNotApplied = "void_not_applied"
    case acceptedAfterBetStop = "accepted_after_bet_stop"
    case malformedRecord = "malformed_record"

    /// Reports sort kinds by their text so the order is obvious to a reader.
    public static func < (lhs: DiscrepancyKind, rhs: DiscrepancyKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
