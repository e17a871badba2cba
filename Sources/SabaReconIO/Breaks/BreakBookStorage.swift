import Foundation
import SabaReconCore

/// Where the break book is kept (SPEC §9): a SQLite file (`BreakBookStore`, beside the
/// reports by default) or the run store's schema (`StoreBreakBook`, with `--store`). Both
/// apply a night once per run id, in one transaction with its events and annotations, and
/// record people's acknowledgements with their audit trail the same way.
public protocol BreakBookStorage: Sendable {
    /// The book as it stands.
    func load() throws -> BreakBook
    /// The annotations run `runId` applied, if it did (a resumed run reports them again).
    func appliedNight(_ runId: String) throws -> [BreakBook.Annotation]?
    /// The night, once: false when this run was applied before (the book is left as it is).
    @discardableResult func apply(_ night: BreakBook.Night, runId: String, at: Date) throws -> Bool
    /// People's acknowledgements or withdrawals and the breaks they changed.
    func record(_ events: [BreakEvent], book: BreakBook) throws
    /// The audit trail, oldest first (one break's, or all).
    func events(of breakId: String?) throws -> [BreakEvent]
    /// Where it is, for messages.
    var displayName: String { get }
    /// Lets go of its connection (a book opened for one command); a no-op for a file.
    func close()
}

extension BreakBookStorage {
    /// The whole audit trail, oldest first.
    public func events() throws -> [BreakEvent] { try events(of: nil) }
    public func close() {}
}

extension BreakBook {
    /// Breaks a book may hold before loading it is refused as not what this job writes
    /// (SPEC §6): a book is never pruned, but years of nightly breaks stay far below this.
    public static let maxBreaks = 5_000_000
}
