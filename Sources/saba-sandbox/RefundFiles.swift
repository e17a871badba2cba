import Foundation
import SabaSandbox

/// Writes a `RefundFixture`'s files into a folder (demo and sandbox).
enum RefundFiles {
    static func write(_ output: RefundFixture.Output, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, lines) in output.files {
            let path = (folder as NSString).appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8)) else {
                throw CommandFailure("cannot write \(path)")
            }
        }
    }
}
