import Foundation
import SabaReconCore

/// One run's folder under the report root, and everything the job knows about run folders:
/// creating one, opening one to resume or re-match, finding the unfinished one of a range,
/// the root's lock, `run.json`, the reports, publishing (`latest`), pruning old runs, and
/// the manifest of a run that failed.
public struct RunFolder: Sendable {
    public let root: URL
    public let runId: String
    public var url: URL { root.appendingPathComponent(runId) }

    init(root: URL, runId: String) {
        self.root = root
        self.runId = runId
    }

    // MARK: finding and creating

    /// A new folder `YYYYMMDDTHHMMSSZ-xxxx`: sortable by start, unique with a random suffix.
    public static func create(in root: URL, started: Date) throws -> RunFolder {
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw JobError("cannot create the report folder \(root.path): \(error.localizedDescription)")
        }
        for _ in 0..<16 {
            let folder = RunFolder(root: root, runId: newRunId(started: started))
            do {
                try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: false)
                return folder
            } catch CocoaError.fileWriteFileExists {
                continue
            }
        }
        throw JobError("cannot create a unique run folder under \(root.path)")
    }

    /// An existing run (`latest` names the run it points at).
    public static func open(_ id: String, in root: URL) throws -> RunFolder {
        guard !id.isEmpty, !id.contains("/"), id != ".", id != ".." else { throw JobError("'\(id)' is not a run id") }
        var runId = id
        if id == "latest", let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root.appendingPathComponent("latest").path) {
            // `latest` is a link this job writes to a run id; a planted one must not lead out of the root.
            guard isRunId(target) else { throw JobError("\(root.path)/latest points at '\(target)', which is not a run of this report root") }
            runId = target
        }
        let folder = RunFolder(root: root, runId: runId)
        guard folder.isOwnFolder, FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("run.json").path) else {
            throw JobError("no run \(id) under \(root.path) (looked for \(folder.url.path)/run.json, a folder, not a link)")
        }
        return folder
    }

    /// Whether the run's folder is a folder of the root itself: a link planted in its place
    /// would lead the run's reports out of the report root.
    var isOwnFolder: Bool {
        var info = stat()
        return lstat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The newest run of exactly this range that never finished (a killed nightly), if any.
    public static func unfinished(in root: URL, range: TimeRange) -> RunFolder? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return nil }
        // Only folders named as this job names runs, and not links: a planted one is not resumed.
        for name in names.sorted(by: >) where isRunId(name) {
            let folder = RunFolder(root: root, runId: name)
            // Not one another process is still writing (a fresh run holds no root lock when
            // the break book is off): taking it over would stage into its files beside it.
            guard folder.isOwnFolder, let record = try? folder.record(), !record.finished, record.run_id == name, !folder.isBeingWritten else { continue }
            // Exactly the same days: a shorter hand-made run of the same end must not be taken over.
            if abs(record.range_end - range.end.timeIntervalSince1970) < 1 && abs(record.range_start - range.start.timeIntervalSince1970) < 1 {
                return folder
            }
        }
        return nil
    }

    /// The root's exclusive lock: one nightly (or resume) at a time per report root.
    public static func lock(_ root: URL, holder: String, now: Date) throws -> RunLock {
        try RunLock(folder: root, holder: holder, now: now)
    }

    /// This run's own lock (`.saba-recon.lock` in its folder, gone when released), held by
    /// the process writing the run from before its run.json is written to its end: a nightly
    /// never resumes a run another process is still writing, nor a resume a live one.
    func lockForWriting(now: Date) throws -> RunLock {
        do {
            return try RunLock(folder: url, holder: "saba-recon writing run \(runId)", now: now, removedOnRelease: true)
        } catch let held as RunLock.Held {
            throw JobError("run \(runId) is being written by another process: \(held)")
        }
    }

    /// Whether a live process holds this run's lock.
    var isBeingWritten: Bool { RunLock.isHeld(in: url) }

    // MARK: contents

    public func record() throws -> RunRecord { try RunRecord.read(from: url) }

    /// The run's manifest.json, read bounded (4 MB) and never through a link.
    public func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: BoundedFile.read(url.appendingPathComponent("manifest.json").path, maxBytes: Self.manifestMaxBytes))
    }

    public func writeRecord(_ record: RunRecord) throws { try record.write(to: url) }

    public var hasManifest: Bool { FileManager.default.fileExists(atPath: url.appendingPathComponent("manifest.json").path) }

    public var hasTickets: Bool { FileManager.default.fileExists(atPath: url.appendingPathComponent(RunStore.ticketsFile).path) }

    /// The run's staged data (created on first use).
    public func store() throws -> RunStore { try RunStore.files(in: url) }

    /// Seeds this (new) folder with another run's staged tickets, for a re-match.
    public func copyTickets(from other: RunFolder) throws {
        // With its write-ahead log, if one was left (a run killed after it finished).
        for suffix in ["", "-wal"] {
            let from = other.url.appendingPathComponent(RunStore.ticketsFile + suffix)
            guard suffix.isEmpty || FileManager.default.fileExists(atPath: from.path) else { continue }
            try FileManager.default.copyItem(at: from, to: url.appendingPathComponent(RunStore.ticketsFile + suffix))
        }
    }

    /// Writes one report atomically; returns its SHA-256.
    @discardableResult
    public func write(_ data: Data, as name: String) throws -> String {
        try ReportWriter(folder: url).write(data, as: name)
    }

    /// Points `latest` at this run: the last step of a completed run.
    public func publish() throws { try ReportWriter.moveLatest(root: root, to: runId) }

    /// What a failed run leaves: its manifest with the error, so the folder explains itself.
    public func writeFailure(_ manifest: Manifest, error: any Error, finishedAt: Date) {
        var failed = manifest
        failed.error = String(describing: error)
        failed.outcome = .failed
        failed.exit_status = 2
        failed.finished_at = UTCTime.iso(finishedAt)
        _ = try? write(ReportRenderer.encode(failed), as: "manifest.json")
    }
}

extension RunFolder {
    /// Whether `id` has the form `newRunId` makes: `YYYYMMDDTHHMMSSZ-` and four hex digits.
    /// What names a folder under the report root from outside the job (a shared store's row)
    /// must have it: never `latest`, `..`, a path or any other name.
    public static func isRunId(_ id: String) -> Bool {
        let b = Array(id.utf8)
        guard b.count == 21 else { return false }
        func digit(_ i: Int) -> Bool { b[i] >= 0x30 && b[i] <= 0x39 }
        func hex(_ i: Int) -> Bool { digit(i) || (b[i] >= 0x61 && b[i] <= 0x66) }
        return (0..<8).allSatisfy(digit) && b[8] == 0x54 && (9..<15).allSatisfy(digit) && b[15] == 0x5A && b[16] == 0x2D && (17..<21).allSatisfy(hex)
    }

    /// A new run id `YYYYMMDDTHHMMSSZ-xxxx` (start time, random suffix), without a folder:
    /// `create` makes its folder; a shared run's folder is made by whichever process publishes it.
    public static func newRunId(started: Date) -> String {
        let stamp = UTCTime.formatLocal(started).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "\(stamp)Z-\(String(repeating: "0", count: 4 - suffix.count))\(suffix)"
    }

    /// A shared run's folder under the shared report root, made fresh for its publisher: a
    /// publisher that died half-way leaves staged files that are thrown away, never trusted.
    /// Called with the root's lock held. The id comes from the store, which is trusted no
    /// further than the files (SPEC §6): it must be a run id, and a folder of that name must be
    /// this run's own unfinished one (a dead publisher's), never a finished run, a link or a
    /// folder of something else.
    static func shared(_ runId: String, in root: URL, record: RunRecord) throws -> RunFolder {
        guard isRunId(runId), record.run_id == runId else { throw JobError("'\(runId)' is not a run id this job makes") }
        let folder = RunFolder(root: root, runId: runId)
        var info = stat()
        if lstat(folder.url.path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw JobError("refusing to publish run \(runId): \(folder.url.path) exists and is not a folder (a link or a file)")
            }
            let own = try? RunRecord.read(from: folder.url)
            guard let own, own.run_id == runId, !own.finished else {
                throw JobError("refusing to publish run \(runId): \(folder.url.path) exists and is not this run's unfinished folder (\(own == nil ? "no readable run.json" : "its run.json says finished or names another run")); nothing in it was touched")
            }
        }
        do {
            try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.url.path)) ?? [] {
                try FileManager.default.removeItem(at: folder.url.appendingPathComponent(name))
            }
        } catch {
            throw JobError("cannot prepare the run folder \(folder.url.path): \(error.localizedDescription)", underlying: error)
        }
        var own = record
        own.finished = false
        try folder.writeRecord(own)
        return folder
    }
}
