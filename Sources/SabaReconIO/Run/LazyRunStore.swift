import Foundation
import Synchronization

/// A run store opened the first time it is asked for and closed with the run: a rediff
/// needs one only when the run it matches keeps its break book there.
final class LazyRunStore: Sendable {
    private let store = Mutex<SharedRunStore?>(nil)
    private let open: @Sendable () throws -> SharedRunStore

    init(_ open: @escaping @Sendable () throws -> SharedRunStore) {
        self.open = open
    }

    func get() throws -> SharedRunStore {
        try store.withLock { s in
            if let s { return s }
            let made = try open()
            s = made
            return made
        }
    }

    func close() {
        store.withLock { s in
            s?.close()
            s = nil
        }
    }
}
