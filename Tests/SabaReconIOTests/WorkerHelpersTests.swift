import Foundation
import Synchronization
import Testing
@testable import SabaReconIO

@Suite struct WorkerHelpersTests {
    /// A helper waiting for work looks again at once when its process stops it, rather than
    /// after its poll interval (which would keep the process alive after the run is published).
    @Test func stopCutsAHelpersWaitShort() throws {
        // Never connected: the helpers here only wait.
        let store = try SharedRunStore(url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable", worker: "w", lease: 30)
        let helpers = WorkerHelpers()
        let looks = Counter()
        for _ in 0..<2 {
            helpers.start(store: store) { stop in
                while !stop() {
                    looks.add()
                    helpers.nap(600)
                }
            }
        }
        while looks.value < 2 { Thread.sleep(forTimeInterval: 0.01) }
        let started = ContinuousClock.now
        #expect(helpers.stop() == nil)
        // Ten minutes of naps left: returning at all means both were woken.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(looks.value == 2)
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
