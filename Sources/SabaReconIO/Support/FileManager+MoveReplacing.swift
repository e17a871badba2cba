import Foundation

extension FileManager {
    /// Moves `source` to `target`, replacing what is there. `moveItem` refuses an existing
    /// target, and rename(2), which would replace it, cannot cross file systems (TMPDIR is
    /// often another one than the report root); a missing target is not an error.
    func moveReplacing(_ target: URL, with source: URL) throws {
        if fileExists(atPath: target.path) { try removeItem(at: target) }
        try moveItem(at: source, to: target)
    }
}
