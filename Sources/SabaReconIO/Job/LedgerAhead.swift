import Foundation
import SabaReconCore
import Synchronization

/// A shared run's ledger, read while its calls are fetched by the process that opened the
/// run with `--store` (SPEC §7), as a single process reads it beside its fetch. If this
/// process then publishes the run, the job takes the staged ledger over rather than reading
/// it again after the last call (on two cores that read was most of publishing).
///
/// Staged in a private temporary folder (never under the report root, which a process that
/// does not publish leaves alone); the job moves the files into the run folder, where every
/// run keeps its ledger. Dropped when another process publishes, when the run reads
/// otherwise (a refund file changed since), or when the read failed: the job then reads
/// the ledger itself, and reports its error if it fails again.
final class LedgerAhead: Sendable {
    /// One read under way or done.
    struct Read: Sendable {
        let runId: String
        let reads: [LedgerRead]
        let indexForRefunds: Bool
        /// The private folder, and the store whose ledger files are staged in it.
        let folder: URL
        let store: RunStore
        let stage: LedgerStage
        let source: any LedgerSource

        /// Moves the staged ledger files into `runFolder` (its store made them anew, empty).
        func keep(in runFolder: URL) throws {
            for name in [RunStore.ledgerFile, LedgerSpool.fileName] where FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
                let target = runFolder.appendingPathComponent(name)
                try? FileManager.default.removeItem(at: target)
                do {
                    try FileManager.default.moveItem(at: folder.appendingPathComponent(name), to: target)
                } catch {
                    throw JobError("the ledger read ahead could not be moved into \(runFolder.path): \(error)", stage: .ledger)
                }
            }
        }
    }

    private let state = Mutex<(read: Read?, taken: Bool)>((nil, false))

    init() {}

    /// Starts reading `reads` of `source` (which this object then owns and closes) for `runId`.
    func start(runId: String, reads: [LedgerRead], indexForRefunds: Bool, source: any LedgerSource, clock: any WallClock) throws {
        let folder: URL
        do { folder = try Self.privateFolder() } catch {
            source.close()
            throw error
        }
        let store: RunStore
        do { store = try RunStore.files(in: folder) } catch {
            source.close()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let read = Read(runId: runId, reads: reads, indexForRefunds: indexForRefunds, folder: folder, store: store,
                        stage: LedgerStage(store: store, source: source, reads: reads, indexForRefunds: indexForRefunds, clock: clock),
                        source: source)
        let earlier = state.withLock { s -> Read? in
            defer { s = (read, false) }
            return s.read
        }
        if let earlier { Self.end(earlier) }
    }

    /// The read for `runId` if it read exactly `reads` and has not failed, once; nil otherwise.
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

    /// Stops the read if it still runs, closes its ledger connection and removes its folder.
    func close() {
        let read = state.withLock { s -> Read? in
            defer { s = (nil, false) }
            return s.read
        }
        if let read { Self.end(read) }
    }

    private static func end(_ read: Read) {
        read.stage.stop()
        _ = try? read.stage.wait()
        read.source.close()
        try? FileManager.default.removeItem(at: read.folder)
    }

    /// A new folder under the temporary directory (TMPDIR), readable by this user only.
    static func privateFolder() throws -> URL {
        var template = Array(FileManager.default.temporaryDirectory.appendingPathComponent("saba-recon-ledger.XXXXXX").path.utf8CString)
        let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } != nil }
        guard made else {
            throw JobError("cannot make a folder for the ledger under \(FileManager.default.temporaryDirectory.path): \(String(cString: strerror(errno)))", stage: .ledger)
        }
        // mkdtemp filled in the X's of the template itself.
        return URL(fileURLWithPath: String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), isDirectory: true)
    }
}
