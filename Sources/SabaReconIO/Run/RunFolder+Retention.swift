import Foundation

/// `--keep-runs N`: deletes old run folders after a run completes. Never the folder `latest`
/// points at, never the run just written, never a run whose run.json does not say finished
/// (killed, or failed with exit 2: it may still be resumed).
extension RunFolder {
    /// The run folders to delete, oldest first (run ids sort by their start time).
    public static func prunable(runs: [(id: String, ended: Bool)], keep: Int, latest: String?, current: String) -> [String] {
        let ended = runs.filter { $0.ended }.map(\.id).sorted(by: >)
        return ended.dropFirst(max(keep, 1)).filter { $0 != latest && $0 != current }.sorted()
    }

    @discardableResult
    public func prune(keep: Int) throws -> [String] {
        let current = runId
        let fm = FileManager.default
        let latest = try? fm.destinationOfSymbolicLink(atPath: root.appendingPathComponent("latest").path)
        let names = try fm.contentsOfDirectory(atPath: root.path).filter { name in
            guard name != "latest", !name.hasPrefix(".") else { return false }
            var isDirectory: ObjCBool = false
            let folder = root.appendingPathComponent(name)
            return fm.fileExists(atPath: folder.appendingPathComponent("run.json").path, isDirectory: &isDirectory)
        }
        // An unreadable run.json counts as unfinished: kept.
        let runs = names.map { ($0, (try? RunRecord.read(from: root.appendingPathComponent($0)))?.finished ?? false) }
        let doomed = Self.prunable(runs: runs, keep: keep, latest: latest, current: current)
        for id in doomed { try fm.removeItem(at: root.appendingPathComponent(id)) }
        return doomed
    }
}
