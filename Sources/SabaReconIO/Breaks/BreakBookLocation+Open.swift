import Foundation

extension BreakBookLocation {
    /// Opens the book for a report root; nil when off. `store`: the run store this process
    /// works with, opened only when the book is there (a rediff of a shared run's folder
    /// reaches the store through its own settings). `mustExist`: refuse a missing file
    /// instead of making an empty book (`saba-recon breaks`).
    public func open(out: URL, store: () throws -> SharedRunStore?, mustExist: Bool = false) throws -> (any BreakBookStorage)? {
        switch self {
        case .off:
            return nil
        case .store:
            guard let shared = try store() else {
                throw JobError("the break book is in the run store (break_book: store, or a run made with --store), and this process has no store: give --store postgres://... (or store: in the config file)", stage: .reports)
            }
            return StoreBreakBook(shared)
        case .besideReports, .file:
            guard let path = path(out: out) else { return nil }
            if mustExist && !FileManager.default.fileExists(atPath: path) {
                throw JobError("no break book at \(path): a run that completes with the break book on makes it", stage: .reports)
            }
            do { return try BreakBookStore.open(path: path) } catch {
                throw JobError("cannot open the break book \(path): \(error)", underlying: error, stage: .reports)
            }
        }
    }
}
