import Foundation
import SabaReconCore
import Testing
@testable import SabaReconIO

/// SPEC §6: what the job reads back from the report root, and the names a shared store
/// hands it, are untrusted: bounded, regular files only, numbers range-checked, and nothing
/// planted can crash, hang or redirect a run.
@Suite struct UntrustedRootTests {
    func root() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func plant(_ root: URL, _ name: String, manifest: String) throws {
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(manifest.utf8).write(to: dir.appendingPathComponent("manifest.json"))
    }

    static func manifest(_ id: String, discrepancies: String = "3", outcome: String = "discrepancies", stake: String = #"{"USD":"1.00"}"#) -> String {
        #"{"run_id":"\#(id)","now":"2026-01-01T00:00:00Z","outcome":"\#(outcome)","discrepancies":\#(discrepancies),"money_at_stake":\#(stake)}"#
    }

    @Test func runIdsAreWhatTheJobMakes() {
        #expect(RunFolder.isRunId(RunFolder.newRunId(started: Date())))
        #expect(RunFolder.isRunId("20261121T053944Z-bdcb"))
        for bad in ["latest", "..", ".", "", "20261121T053944Z-bdc", "20261121T053944Z-BDCB", "20261121T053944Z-bdcb/..", "../20261121T053944Z-bd",
                    "2026112xT053944Z-bdcb", "20261121T053944Z-bdc\u{0301}"] {
            #expect(!RunFolder.isRunId(bad), "\(bad)")
        }
    }

    @Test func plantedManifestsAreRangeCheckedNotTrusted() throws {
        let root = try root()
        defer { try? FileManager.default.removeItem(at: root) }
        try plant(root, "20260101T000000Z-0001", manifest: Self.manifest("20260101T000000Z-0001"))
        // Trapped the next run: 1e17 * 120 overflowed the trend's scaling.
        try plant(root, "20260102T000000Z-0002", manifest: Self.manifest("20260102T000000Z-0002", discrepancies: "1e17"))
        try plant(root, "20260103T000000Z-0003", manifest: Self.manifest("20260103T000000Z-0003", discrepancies: "-4"))
        try plant(root, "20260104T000000Z-0004", manifest: Self.manifest("somebody-else"))
        try plant(root, "20260105T000000Z-0005", manifest: Self.manifest("20260105T000000Z-0005", outcome: String(repeating: "<b>", count: 1000)))
        try plant(root, "20260106T000000Z-0006", manifest: Self.manifest("20260106T000000Z-0006", stake: #"{"USD":"-1e3"}"#))
        try plant(root, "not-a-run", manifest: Self.manifest("not-a-run"))
        let history = RunFolder(root: root, runId: "20260110T000000Z-0010").history(limit: 29)
        #expect(history.points.map(\.runId) == ["20260101T000000Z-0001"])
        #expect(history.unreadable.sorted() == ["20260102T000000Z-0002", "20260103T000000Z-0003", "20260104T000000Z-0004", "20260105T000000Z-0005", "20260106T000000Z-0006"])
    }

    @Test func aFIFOInPlaceOfAManifestIsSkippedAtOnce() throws {
        let root = try root()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("20260101T000000Z-0001")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        #expect(mkfifo(dir.appendingPathComponent("manifest.json").path, 0o644) == 0)
        let started = Date()
        let history = RunFolder(root: root, runId: "20260110T000000Z-0010").history(limit: 29)
        #expect(Date().timeIntervalSince(started) < 5, "waited on the FIFO")
        #expect(history.points.isEmpty && history.unreadable == ["20260101T000000Z-0001"])
        // run.json too: a FIFO is not a run's record.
        #expect(mkfifo(dir.appendingPathComponent("run.json").path, 0o644) == 0)
        #expect(throws: JobError.self) { try RunRecord.read(from: dir) }
    }

    @Test func aLinkPlantedAsARunFolderIsNotFollowed() throws {
        let root = try root()
        let elsewhere = try self.root()
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: elsewhere) }
        try plant(elsewhere, "x", manifest: Self.manifest("20260101T000000Z-0001"))
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("20260101T000000Z-0001").path, withDestinationPath: elsewhere.appendingPathComponent("x").path)
        let history = RunFolder(root: root, runId: "20260110T000000Z-0010").history(limit: 29)
        #expect(history.points.isEmpty)
        // A planted `latest` leading out of the root is refused.
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("latest").path, withDestinationPath: "../../etc")
        let error = #expect(throws: JobError.self) { try RunFolder.open("latest", in: root) }
        #expect(error?.description.contains("not a run of this report root") == true)
    }

    @Test func aSharedRunNeverTakesAFolderItDoesNotOwn() throws {
        let root = try root()
        defer { try? FileManager.default.removeItem(at: root) }
        let plan = try WindowPlanner().plan(WindowPlanner.dayRange(from: "2026-07-01", to: "2026-07-10"), now: UTCTime.parse("2026-07-20T00:00:00Z")!, clamp: false)
        let now = UTCTime.parse("2026-07-20T00:00:00Z")!
        // A finished run of that id: published reports are never emptied.
        let done = "20260720T000000Z-0001"
        let folder = root.appendingPathComponent(done)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try RunRecord(runId: done, plan: plan, now: now, finished: true).write(to: folder)
        try Data("keep".utf8).write(to: folder.appendingPathComponent("discrepancies.csv"))
        #expect(throws: JobError.self) { try RunFolder.shared(done, in: root, record: RunRecord(runId: done, plan: plan, now: now)) }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("discrepancies.csv").path))
        // A link, and a folder of something else.
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("20260720T000000Z-0002").path, withDestinationPath: "/tmp")
        #expect(throws: JobError.self) { try RunFolder.shared("20260720T000000Z-0002", in: root, record: RunRecord(runId: "20260720T000000Z-0002", plan: plan, now: now)) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("20260720T000000Z-0003"), withIntermediateDirectories: true)
        #expect(throws: JobError.self) { try RunFolder.shared("20260720T000000Z-0003", in: root, record: RunRecord(runId: "20260720T000000Z-0003", plan: plan, now: now)) }
        // `latest` and a path are not run ids.
        #expect(throws: JobError.self) { try RunFolder.shared("latest", in: root, record: RunRecord(runId: "latest", plan: plan, now: now)) }
        // Its own unfinished folder (a publisher died half-way) is taken and emptied.
        let own = "20260720T000000Z-0004"
        let ownFolder = root.appendingPathComponent(own)
        try FileManager.default.createDirectory(at: ownFolder, withIntermediateDirectories: true)
        try RunRecord(runId: own, plan: plan, now: now).write(to: ownFolder)
        try Data("half".utf8).write(to: ownFolder.appendingPathComponent("summary.csv"))
        _ = try RunFolder.shared(own, in: root, record: RunRecord(runId: own, plan: plan, now: now))
        #expect(try FileManager.default.contentsOfDirectory(atPath: ownFolder.path) == ["run.json"])
    }

    @Test func aNULInAConnectionParameterIsRefused() {
        for url in ["postgres://u@h/db?application_name=a%00options%3D-c", "postgres://u%00x@h/db", "postgres://u@h/d%00b"] {
            let error = #expect(throws: LedgerError.self) { try PostgresSettings.resolve(url: url, environment: [:], home: "/nonexistent", osUser: "me") }
            #expect(error?.message.contains("NUL byte") == true, "\(url): \(error?.message ?? "")")
        }
    }

    @Test func aPlantedUnfinishedRunIsNotResumed() throws {
        let root = try root()
        let elsewhere = try self.root()
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: elsewhere) }
        let now = UTCTime.parse("2026-07-20T00:00:00Z")!
        let range = try WindowPlanner.dayRange(from: "2026-07-01", to: "2026-07-10")
        let plan = try WindowPlanner().plan(range, now: now, clamp: false)
        // A link named as a run, to an unfinished run of tonight's range elsewhere; and a folder not named as a run.
        try RunRecord(runId: "20260720T000000Z-0001", plan: plan, now: now).write(to: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("20260720T000000Z-0001").path, withDestinationPath: elsewhere.path)
        let odd = root.appendingPathComponent("zz")
        try FileManager.default.createDirectory(at: odd, withIntermediateDirectories: true)
        try RunRecord(runId: "zz", plan: plan, now: now).write(to: odd)
        #expect(RunFolder.unfinished(in: root, range: range) == nil)
        #expect(throws: JobError.self) { try RunFolder.open("20260720T000000Z-0001", in: root) }
        // Its own unfinished run is found.
        let own = root.appendingPathComponent("20260720T000000Z-0002")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        try RunRecord(runId: "20260720T000000Z-0002", plan: plan, now: now).write(to: own)
        #expect(RunFolder.unfinished(in: root, range: range)?.runId == "20260720T000000Z-0002")
    }
}
