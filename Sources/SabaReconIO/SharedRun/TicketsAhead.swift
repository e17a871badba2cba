import Foundation
import GRDB
import Logging
import SabaReconCore
import Synchronization

/// The calls a process fetched for the run it opened, staged into a private `run.sqlite` by a
/// writer thread of its own once the store has committed each (`RunAhead`): the worker that
/// fetched a call goes on to its next one meanwhile, as a single process's fetchers do. One
/// call waits at most (a call's lines are its worker's largest allocation).
final class TicketsAhead: Sendable {
    struct Item: Sendable {
        var lines: [String]
        var call: SharedRunStore.Call
    }

    private let queue = BoundedQueue<Item>(capacity: 1, producers: 1)
    private let writer: BackgroundThread<Void>
    /// Plan orders of the calls staged, each in one transaction (shared with the writer).
    final class Staged: Sendable {
        let orders = Mutex<Set<Int>>([])
    }
    private let staged = Staged()
    private let tickets: any DatabaseWriter
    private let handedOver = Atomic<Bool>(false)

    init(tickets: any DatabaseWriter, logger: Logger) {
        self.tickets = tickets
        writer = BackgroundThread { [queue, staged] in
            while let item = queue.take() {
                var left = item.lines
                do {
                    // Last first, each line freed once staged: a call holds one line per transId,
                    // so the order within it changes nothing (MoreSettledWins across calls neither).
                    try tickets.write { db in
                        let stager = try RunStore.TicketStager(db)
                        while let line = left.popLast() { try stager.stage(try TicketLine.decode(line), order: item.call.fetch.planOrder, in: db) }
                    }
                    staged.orders.withLock { _ = $0.insert(item.call.fetch.planOrder) }
                } catch {
                    logger.notice("run \(item.call.runId): window \(item.call.window.index) settled=\(item.call.settled) is copied from the store when published (staging it here failed: \(error))")
                }
            }
        }
    }

    /// Queues a committed call's lines, emptying `lines`; dropped once handed over or stopped.
    func add(_ lines: inout CallLines, of call: SharedRunStore.Call) {
        queue.put(Item(lines: lines.drain(), call: call))
    }

    /// Stages what is queued, then closes the database and moves its file to `target`; the
    /// plan orders of the calls it holds (empty, and nothing moved, if there are none or it
    /// was handed over already).
    func handOver(to target: URL, from file: URL) throws -> Set<Int> {
        guard !handedOver.exchange(true, ordering: .relaxed) else { return [] }
        queue.cancel(keepingQueued: true)
        queue.finish()
        _ = try? writer.wait()
        let orders = staged.orders.withLock { $0 }
        guard !orders.isEmpty else { return [] }
        // Closing the last connection checkpoints the WAL into the file.
        try tickets.close()
        // A -wal or -shm left at the target would be taken for this file's.
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: target.path + suffix) {
            try FileManager.default.removeItem(atPath: target.path + suffix)
        }
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: file.path + suffix) {
            try FileManager.default.moveReplacing(URL(fileURLWithPath: target.path + suffix), with: URL(fileURLWithPath: file.path + suffix))
        }
        return orders
    }

    /// Drops what is queued and ends the writer.
    func stop() {
        queue.cancel()
        queue.finish()
        _ = try? writer.wait()
    }
}
