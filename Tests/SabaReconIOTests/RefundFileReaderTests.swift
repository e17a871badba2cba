import Foundation
import Testing
import TestSupport
import SabaReconCore
@testable import SabaReconIO

@Suite struct RefundFileReaderTests {
    static let jdb = #"{"action":4,"ts":1447452951820,"transferId":123456789,"uid":"testpl01","currency":"RB","gType":0,"mType":8001}"#

    func folder() throws -> URL {
        let dir = TestTemp.url("saba-refunds")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("2026/07"), withIntermediateDirectories: true)
        return dir
    }

    func gzip(_ path: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-f", path.path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    /// SPEC 6: a small gzip of endless `{}` lines is a bounded number of rows, not one a line.
    @Test func malformedLinesPastTheLimitAreCountedNotListed() throws {
        let dir = try folder()
        let file = dir.appendingPathComponent("flood.jsonl")
        try Data(String(repeating: "{}\n", count: 200_000).utf8).write(to: file)
        try gzip(file)
        var book = RefundBook(maxMalformed: 1000)
        _ = try RefundFileReader().read([dir.path], into: &book)
        #expect(book.linesRead == 200_000)
        #expect(book.malformed.count == 1000)
        #expect(book.malformedNotListed == 199_000)
        #expect(book.firstNotListed?.location.line == 1001)
    }

    @Test func moreLinesThanTheLimitIsAnErrorNamingTheFile() throws {
        let dir = try folder()
        let file = dir.appendingPathComponent("many.jsonl")
        try Data(String(repeating: Self.jdb + "\n", count: 3000).utf8).write(to: file)
        var book = RefundBook()
        let error = #expect(throws: RefundFileReader.ReadError.self) { try RefundFileReader(maxLines: 1000).read([file.path], into: &book) }
        #expect(error?.description.contains("more than 1000 lines in all, \(file.path) included (refund_max_lines)") == true)
    }

    @Test func aFileLargerThanTheLimitOnceDecompressedIsAnErrorNamingIt() throws {
        let dir = try folder()
        let file = dir.appendingPathComponent("bomb.jsonl")
        try Data(String(repeating: " ", count: 3 << 20).utf8).write(to: file)
        try gzip(file)
        var book = RefundBook()
        let error = #expect(throws: RefundFileReader.ReadError.self) { try RefundFileReader(maxBytes: 1 << 20).read([dir.path], into: &book) }
        #expect(error?.description.contains("bomb.jsonl.gz: more than 1048576 bytes once decompressed (refund_max_bytes)") == true)
        // The same limit holds for a plain file.
        let plain = dir.appendingPathComponent("big.jsonl")
        try Data(String(repeating: "\n", count: 2 << 20).utf8).write(to: plain)
        #expect(throws: RefundFileReader.ReadError.self) { try RefundFileReader(maxBytes: 1 << 20).read([plain.path], into: &book) }
    }

    @Test func aFolderWithPlainAndGzippedFilesIsReadInNameOrderWithLineNumbers() throws {
        let dir = try folder()
        try Data("\(Self.jdb)\r\n\nnot json\n".utf8).write(to: dir.appendingPathComponent("a.jsonl"))
        let gz = dir.appendingPathComponent("2026/07/b.jsonl")
        try Data((Array(repeating: Self.jdb, count: 5000) + ["{\"x\":1}"]).joined(separator: "\n").utf8).write(to: gz)
        try gzip(gz)
        try Data("ignored".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        var book = RefundBook()
        let digests = try RefundFileReader().read([dir.path], into: &book)
        #expect(digests.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["b.jsonl.gz", "a.jsonl"])
        #expect(book.linesRead == 5004)
        #expect(book.jdb.count == 1 && book.duplicatesFolded == 5000)
        #expect(book.malformed.map(\.location.line).sorted() == [3, 5001])
        #expect(book.malformed.first { $0.location.line == 5001 }?.location.file.hasSuffix("2026/07/b.jsonl.gz") == true)
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("a.jsonl")))
        #expect(digests.last?.sha256 == SHA256.hex(bytes))
    }

    @Test func aTornGzipFileKeepsWhatWasReadAndReportsTheTear() throws {
        let dir = try folder()
        let file = dir.appendingPathComponent("c.jsonl")
        try Data(Array(repeating: Self.jdb, count: 2000).joined(separator: "\n").utf8).write(to: file)
        try gzip(file)
        let gz = dir.appendingPathComponent("c.jsonl.gz")
        let whole = try Data(contentsOf: gz)
        try whole.prefix(whole.count / 2).write(to: gz)
        var book = RefundBook()
        _ = try RefundFileReader().read([gz.path], into: &book)
        #expect(book.recordsRecognised > 0)
        #expect(book.malformed.count == 1)
        #expect(book.malformed.first?.reason.contains("truncated") == true)
    }

    @Test func aMissingPathStopsTheRunNamingIt() {
        var book = RefundBook()
        #expect(throws: RefundFileReader.ReadError.self) { try RefundFileReader().read(["/nonexistent/refunds.jsonl"], into: &book) }
    }

    @Test func aLastLineWithoutNewlineIsRead() throws {
        let dir = try folder()
        try Data(Self.jdb.utf8).write(to: dir.appendingPathComponent("d.jsonl"))
        var book = RefundBook()
        _ = try RefundFileReader().read([dir.appendingPathComponent("d.jsonl").path], into: &book)
        #expect(book.jdb.count == 1 && book.malformed.isEmpty)
    }
}
