import Foundation

extension JobSettings {
    /// A connection to the ledger of these settings (closed by its owner).
    func openLedger() throws -> any LedgerSource {
        try ledger.open(table: ledgerTable, statementTimeout: ledgerStatementTimeout, passwordFile: pgPasswordFile)
    }
}
