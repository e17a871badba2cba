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
    /// Plan orders of the calls staged (`orders`, each whole) and of this process's calls on
    /// their way here (`coming`: fetched, committed or queued), which the `CallsFollower`
    /// leaves alone; under one lock, so a call moves from one to the other at once. A class,
    /// shared with the writer thread.
    final class Staged: Sendable {
        struct Sets { var orders: Set<Int> = []; var coming: Set<Int> = [] }
        let sets = Mutex(Sets())
    }
    private let staged = Staged()
    private let tickets: any DatabaseWriter
    /// False once `handOver` begins: a copy's write takes this lock, so none lands on a closed
    /// or moved file (the follower may outlive its stop, `CallsFollower`), and a second
    /// hand-over does nothing.
    private let open = Mutex(true)

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
                    staged.sets.withLock { _ = $0.orders.insert(item.call.fetch.planOrder); _ = $0.coming.remove(item.call.fetch.planOrder) }
                } catch {
                    staged.sets.withLock { _ = $0.coming.remove(item.call.fetch.planOrder) }
                    logger.notice("run \(item.call.runId): window \(item.call.window.index) settled=\(item.call.settled) is copied from the store when published (staging it here failed: \(error))")
                }
            }
        }
    }

    /// Queues a committed call's lines, emptying `lines`; dropped once handed over or stopped.
    func add(_ lines: inout CallLines, of call: SharedRunStore.Call) {
        fetching(call.fetch.planOrder, true)
        if !queue.put(Item(lines: lines.drain(), call: call)) { fetching(call.fetch.planOrder, false) }
    }

    /// This process fetches the call of `order` (its lines come through `add`), or no longer
    /// does (`coming: false`: it failed, or its claim was lost, so another process may commit it).
    func fetching(_ order: Int, _ coming: Bool) {
        staged.sets.withLock { if coming { $0.coming.insert(order) } else { $0.coming.remove(order) } }
    }

    /// Whether the call of `order` is staged here or on its way through `add`.
    func holds(_ order: Int) -> Bool {
        staged.sets.withLock { $0.coming.contains(order) || $0.orders.contains(order) }
    }

    /// Thrown out of `copy` when `stop` says so.
    struct Stopped: Error {}

    /// Stages a call another process committed, read from `store`, a chunk per transaction
    /// (this process's own calls are staged between them); counted as staged once whole. A
    /// call cut short leaves some of its rows: harmless, since the publisher copies that call
    /// again and its upsert writes the same rows over them.
    func copy(_ order: Int, of runId: String, from store: SharedRunStore, stop: @escaping () -> Bool) throws {
        try store.forEachTicketBatch(of: runId, only: [order]) { batch, callOrder in
            if stop() { throw Stopped() }
            try open.withLock { (isOpen: inout Bool) throws -> Void in
                guard isOpen else { throw Stopped() }
                try tickets.write { db in
                    let stager = try RunStore.TicketStager(db)
                    for t in batch { try stager.stage(t, order: callOrder, in: db) }
                }
            }
        }
        staged.sets.withLock { _ = $0.orders.insert(order) }
    }

    /// Stages what is queued, then closes the database and moves its file to `target`; the
    /// plan orders of the calls it holds (empty, and nothing moved, if there are none or it
    /// was handed over already).
    func handOver(to target: URL, from file: URL) throws -> Set<Int> {
        // No copy writes from here on (one under way finishes first).
        guard open.withLock({ isOpen in defer { isOpen = false }; return isOpen }) else { return [] }
        queue.cancel(keepingQueued: true)
        queue.finish()
        _ = try? writer.wait()
        let orders = staged.sets.withLock { $0.orders }
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
