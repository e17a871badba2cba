import Foundation
import SabaReconCore

extension LedgerRead {
    /// What a run reads of the ledger: Saba's entries from its first window on and, when it
    /// has refund records, every refund provider's too. A refund's original movements (a JDB
    /// bet, a feed bet under a cancel window) can predate the range: those providers are read
    /// from before their earliest record (`lookback`).
    static func forRun(plan: WindowPlan, book: RefundBook, lookback: TimeInterval) -> [LedgerRead] {
        let since = plan.allWindows.first?.start ?? plan.range.start
        guard !book.isEmpty else { return [LedgerRead(provider: "saba", since: since)] }
        let refundSince = min(since, book.earliestEvidence(lookback: lookback) ?? since)
        return [LedgerRead(provider: "saba", since: since)] + ["ebet", "jdb", "feed"].map { LedgerRead(provider: $0, since: refundSince) }
    }
}
