import Foundation
import GRDB
import Logging
import SabaReconCore
import Synchronization

/// What the process that opens a shared run (`run --store`, `nightly --store`, `run --store
/// --resume`) prepares while the run's calls are fetched, in case it publishes the run
/// itself (SPEC §7): the ledger, read as a single process reads it beside its fetch, and the
/// tickets of the calls this process fetched, staged into a `run.sqlite` once each call is
/// committed to the store. Publishing then copies only the other processes' calls from the
/// store and takes the ledger over, instead of reading both back after the last call (on two
/// cores that was most of publishing).
///
/// Kept in a private temporary folder (never under the report root, which a process that
/// does not publish leaves alone) and moved into the run folder when used. Dropped when
/// another process publishes. The ledger is not taken when the run reads otherwise (a
/// refund file changed since) or its read failed: the job then reads it itself, and reports
/// its error if it fails again. A call staged here only after the store committed it, in one
/// transaction, so the tickets moved in are exactly what the store holds for those calls.
final class RunAhead: Sendable {
    /// One run's ledger read (under way or done) and its folder.
    struct Read: Sendable {
        let runId: String
        let reads: [LedgerRead]
        let indexForRefunds: Bool
        /// The private folder, and the store whose files are staged in it.
        let folder: URL
        let store: RunStore
        let stage: LedgerStage
        let source: any LedgerSource
        /// The calls this process fetched, staged once the store committed them.
        let tickets: TicketsAhead
        /// Copies the calls other processes committed into `tickets` meanwhile (nil without a store to read them from).
        let follower: CallsFollower?

        /// Moves the staged ledger files into `runFolder` (its store made them anew, empty).
        func keep(in runFolder: URL) throws {
            for name in [RunStore.ledgerFile, LedgerSpool.fileName] where FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
                do {
                    try FileManager.default.moveReplacing(runFolder.appendingPathComponent(name), with: folder.appendingPathComponent(name))
                } catch {
                    throw JobError("the ledger read ahead could not be moved into \(runFolder.path): \(error)", stage: .ledger)
                }
            }
        }
    }

    private let state = Mutex<(read: Read?, taken: Bool)>((nil, false))
    let logger: Logger

    init(logger: Logger = Logger(label: "saba-recon")) {
        self.logger = logger
    }

    /// Starts reading `reads` of `source` (which this object then owns and closes) for `runId`.
    /// `follow`: a store connection of its own from which the calls other processes commit are
    /// copied meanwhile (`CallsFollower`, which then owns and closes it).
    func start(runId: String, reads: [LedgerRead], indexForRefunds: Bool, source: any LedgerSource, clock: any WallClock,
               follow: SharedRunStore? = nil, followEvery: TimeInterval = 1) throws {
        let folder: URL
        do { folder = try Self.privateFolder() } catch {
            source.close()
            follow?.close()
            throw error
        }
        let store: RunStore
        do { store = try RunStore.files(in: folder) } catch {
            source.close()
            follow?.close()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let tickets = TicketsAhead(tickets: store.tickets, logger: logger)
        let read = Read(runId: runId, reads: reads, indexForRefunds: indexForRefunds, folder: folder, store: store,
                        stage: LedgerStage(store: store, source: source, reads: reads, indexForRefunds: indexForRefunds, clock: clock),
                        source: source, tickets: tickets,
                        follower: follow.map { CallsFollower(runId: runId, store: $0, tickets: tickets, every: followEvery, logger: logger) })
        let earlier = state.withLock { s -> Read? in
            defer { s = (read, false) }
            return s.read
        }
        if let earlier { Self.end(earlier) }
    }

    /// The ledger read for `runId` if it read exactly `reads` and has not failed, once; nil otherwise.
    func take(runId: String, reads: [LedgerRead], indexForRefunds: Bool) -> Read? {
        state.withLock { s in
            guard !s.taken, let read = s.read, read.runId == runId, read.reads == reads, read.indexForRefunds == indexForRefunds,
                  (try? read.stage.checkFailed()) != nil else { return nil }
            s.taken = true
            return read
        }
    }

    /// The read started last, taken or not.
    var current: Read? { state.withLock { $0.read } }

    /// Stages a call the store has just committed for this process (on the tickets' writer
    /// thread), if it is of the run read ahead; empties `lines`. A call whose staging fails is
    /// copied from the store like another's.
    func committed(_ lines: inout CallLines, of call: SharedRunStore.Call) {
        guard let read = current, read.runId == call.runId else { return }
        read.tickets.add(&lines, of: call)
    }

    /// This process starts fetching `call` (`coming`), or gave it up (failed, claim lost): while
    /// it comes, the follower does not copy it from the store.
    func fetching(_ call: SharedRunStore.Call, _ coming: Bool) {
        guard let read = current, read.runId == call.runId else { return }
        read.tickets.fetching(call.fetch.planOrder, coming)
    }

    /// Moves the run.sqlite of the calls this process fetched for `runId` into `runFolder`
    /// (made afresh, before its store is opened) and returns their plan orders, which the
    /// publisher then does not copy from the store. Stages no more calls afterwards. Empty
    /// (nothing moved) for another run, a second time, or when the move fails (logged):
    /// every call is then copied.
    func handOverTickets(of runId: String, into runFolder: URL) -> Set<Int> {
        guard let read = current, read.runId == runId else { return [] }
        // The follower writes to that run.sqlite: it stops first (a call it was copying is copied by the publisher).
        read.follower?.stop()
        let target = runFolder.appendingPathComponent(RunStore.ticketsFile)
        do {
            return try read.tickets.handOver(to: target, from: read.folder.appendingPathComponent(RunStore.ticketsFile))
        } catch {
            for suffix in ["", "-wal"] { try? FileManager.default.removeItem(atPath: target.path + suffix) }
            logger.notice("run \(runId): the tickets fetched here could not be moved into \(runFolder.path) (\(error)); all are copied from the store")
            return []
        }
    }

    /// Stops the read if it still runs, closes its ledger connection and removes its folder.
    func close() {
        let read = state.withLock { s -> Read? in
            defer { s = (nil, false) }
            return s.read
        }
        if let read { Self.end(read) }
    }

    private static func end(_ read: Read) {
        read.follower?.stop()
        read.tickets.stop()
        read.stage.stop()
        _ = try? read.stage.wait()
        read.source.close()
        try? FileManager.default.removeItem(at: read.folder)
    }

    /// A new folder under the temporary directory (TMPDIR), readable by this user only.
    static func privateFolder() throws -> URL {
        var template = Array(FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-run.XXXXXX").path.utf8CString)
        let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } != nil }
        guard made else {
            throw JobError("cannot make a folder for the run under \(FileManager.default.temporaryDirectory.path): \(String(cString: strerror(errno)))", stage: .ledger)
        }
        // mkdtemp filled in the X's of the template itself.
        return URL(fileURLWithPath: String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), isDirectory: true)
    }
}
