import Foundation

/// A ledger source that can hand its rows over as spool records (`LedgerRecord`), with no
/// `String` made per field: the staging's fast path (`RunStore.stageLedger`). The records
/// follow `LedgerSource.forEachEntry`'s order and hold what its entries would.
protocol LedgerRecordSource {
    /// As `forEachEntry`, with `provider` as every record's provider. A record is valid
    /// only during its call of `body`.
    func forEachRecord(provider: String, since: Date, _ body: (LedgerRecord) throws -> Void) throws
}
