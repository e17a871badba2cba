import Foundation
import SabaReconCore
import Testing
import TestSupport
@testable import SabaReconIO

/// Our own files are inputs too: run.json and earlier manifests are read with a byte limit
/// and never through a symlink (a damaged or swapped file is a clear error, never an
/// unbounded read).
@Suite struct BoundedReadTests {
    func folder() throws -> URL {
        let url = TestTemp.url("bounded")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aHugeRunJSONIsAClearError() throws {
        let dir = try folder()
        try Data(repeating: 0x20, count: 2 << 20).write(to: dir.appendingPathComponent("run.json"))
        let error = #expect(throws: JobError.self) { try RunRecord.read(from: dir) }
        #expect(error.map { "\($0)" }?.contains("more than 1048576 bytes") == true)
    }

    @Test func aRunJSONThatIsASymlinkIsRefused() throws {
        let dir = try folder()
        try Data("{}".utf8).write(to: dir.appendingPathComponent("elsewhere.json"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("run.json").path, withDestinationPath: "elsewhere.json")
        let error = #expect(throws: JobError.self) { try RunRecord.read(from: dir) }
        #expect(error.map { "\($0)" }?.contains("run.json") == true)
    }

    @Test func theTrendSkipsAndNamesAnUnreadableManifest() throws {
        let root = try folder()
        for (name, body) in [("20260101T000000Z-0001", #"{"run_id":"20260101T000000Z-0001","now":"2026-01-01T00:00:00Z","outcome":"discrepancies","discrepancies":4,"money_at_stake":{"USD":"12.50"}}"#),
                             ("20260102T000000Z-0002", "not json"),
                             ("20260103T000000Z-0003", #"{"run_id":"20260103T000000Z-0003","now":"2026-01-03T00:00:00Z","outcome":"reconciled","discrepancies":0}"#)] {
            let dir = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(body.utf8).write(to: dir.appendingPathComponent("manifest.json"))
        }
        let history = RunFolder(root: root, runId: "20260104T000000Z-0004").history(limit: 29)
        #expect(history.points.map(\.runId) == ["20260103T000000Z-0003", "20260101T000000Z-0001"])
        #expect(history.points.last?.moneyAtStake == ["USD": Money.parse("12.5")!])
        #expect(history.unreadable == ["20260102T000000Z-0002"])
    }
}
