import CShim
import CZlib
import Foundation
import SabaReconCore

/// Reads refund-record files (`.jsonl`, `.jsonl.gz`, or folders of them) line by line into a
/// `RefundBook`. A bad line becomes a `malformed_record`; only an unreadable file stops the run.
public struct RefundFileReader: Sendable {
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// One file read, for the manifest.
    public struct FileDigest: Sendable, Equatable {
        public var path: String
        public var lines: Int
        public var sha256: String
    }

    /// Longest line accepted; a longer one is reported as malformed, not held in memory.
    public static let maxLineBytes = 16 << 20

    /// Bytes one file may hold once decompressed: past it the file is an error naming it
    /// (a gzip bomb, or not a refund log), never an unbounded read.
    public var maxBytes: Int
    /// Lines read in all: records are held in memory until they are judged, so their number
    /// is what bounds the memory a run's refund records take.
    public var maxLines: Int

    public init(maxBytes: Int = 4 << 30, maxLines: Int = 5_000_000) {
        self.maxBytes = maxBytes
        self.maxLines = maxLines
    }

    /// Expands paths: files as given, folders to their `.jsonl` / `.jsonl.gz` files (recursively, sorted).
    public func files(in paths: [String]) throws -> [String] {
        var out: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ReadError(message: "refund records not found: \(path)")
            }
            if isDirectory.boolValue {
                guard let walker = FileManager.default.enumerator(atPath: path) else { throw ReadError(message: "cannot list \(path)") }
                var found: [String] = []
                while let name = walker.nextObject() as? String {
                    if name.hasSuffix(".jsonl") || name.hasSuffix(".jsonl.gz") { found.append((path as NSString).appendingPathComponent(name)) }
                }
                out.append(contentsOf: found.sorted())
            } else {
                out.append(path)
            }
        }
        return out
    }

    public func read(_ paths: [String], into book: inout RefundBook) throws -> [FileDigest] {
        try files(in: paths).map { try read(file: $0, into: &book) }
    }

    public func read(file path: String, into book: inout RefundBook) throws -> FileDigest {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ReadError(message: "cannot open refund records \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var splitter = LineSplitter(file: path)
        let inflater = path.hasSuffix(".gz") ? try Inflater(path: path) : nil
        var decompressed = 0
        let limit = maxBytes
        let lineLimit = maxLines
        func count(_ n: Int) throws {
            guard book.linesRead <= lineLimit else {
                throw ReadError(message: "refund records: more than \(lineLimit) lines in all, \(path) included (refund_max_lines); they are held in memory. Raise refund_max_lines if they are real")
            }
            decompressed += n
            guard decompressed <= limit else {
                throw ReadError(message: "refund records \(path): more than \(limit) bytes\(inflater == nil ? "" : " once decompressed") (refund_max_bytes); a gzip bomb or not a refund log? Raise refund_max_bytes if the file is real")
            }
        }
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            } catch {
                throw ReadError(message: "cannot read \(path): \(error)")
            }
            if chunk.isEmpty { break }
            hasher.update(chunk)
            if let inflater {
                try inflater.inflate(chunk) { piece in
                    try count(piece.count)
                    splitter.feed(piece, into: &book)
                }
            } else {
                try count(chunk.count)
                chunk.withUnsafeBytes { splitter.feed($0, into: &book) }
            }
        }
        if let inflater, !inflater.finished {
            // A torn gzip file: what was read stays; the tear is reported like a torn line.
            splitter.finish(into: &book, tornReason: "the gzip stream ends early (truncated file)")
        } else {
            splitter.finish(into: &book, tornReason: nil)
        }
        return FileDigest(path: path, lines: splitter.lineNumber, sha256: hasher.hexDigest())
    }
}

/// Cuts a byte stream into lines, numbering them, and parses each.
struct LineSplitter {
    let file: String
    var buffer: [UInt8] = []
    var lineNumber = 0
    var overlong = false
    /// The first bytes of an overlong line, for its row: the rest is streamed past, never held.
    var overlongStart: [UInt8] = []

    init(file: String) {
        self.file = file
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, into book: inout RefundBook) {
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0x0A {
            append(bytes, start, i)
            emit(into: &book)
            start = i + 1
        }
        append(bytes, start, bytes.count)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ to: Int) {
        guard from < to, !overlong else { return }
        if buffer.count + (to - from) > RefundFileReader.maxLineBytes {
            overlong = true
            overlongStart = Array(buffer.prefix(256))
            buffer.removeAll()
            return
        }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[from..<to]))
    }

    mutating func emit(into book: inout RefundBook) {
        lineNumber += 1
        let location = RecordLocation(file: file, line: lineNumber)
        if overlong {
            let start = String(decoding: overlongStart, as: UTF8.self)
            book.add(.malformed(MalformedRecord(location: location, reason: "line longer than \(RefundFileReader.maxLineBytes) bytes, not read; it starts: \(SecretText.escapeControls(start))")))
        } else {
            if buffer.last == 0x0D { buffer.removeLast() }
            book.add(RefundRecordParser.parse(line: buffer, at: location))
        }
        buffer.removeAll(keepingCapacity: true)
        // A line of megabytes leaves no megabytes behind.
        if buffer.capacity > 1 << 20 { buffer = [] }
        overlong = false
        overlongStart = []
    }

    mutating func finish(into book: inout RefundBook, tornReason: String?) {
        if !buffer.isEmpty || overlong {
            // The last line has no newline: a writer may have been cut off mid-line.
            if let tornReason {
                lineNumber += 1
                book.add(.malformed(MalformedRecord(location: RecordLocation(file: file, line: lineNumber), reason: tornReason)))
                buffer.removeAll()
            } else {
                emit(into: &book)
            }
        } else if let tornReason {
            book.add(.malformed(MalformedRecord(location: RecordLocation(file: file, line: lineNumber + 1), reason: tornReason)))
        }
    }
}

/// A streaming gzip decoder over zlib (a class: zlib keeps pointers into its state).
final class Inflater {
    var stream = z_stream()
    var finished = false
    let path: String
    var output = [UInt8](repeating: 0, count: 1 << 16)

    init(path: String) throws {
        self.path = path
        guard sr_inflate_init_gzip(&stream) == Z_OK else {
            throw RefundFileReader.ReadError(message: "zlib could not start decoding \(path)")
        }
    }

    deinit { inflateEnd(&stream) }

    func inflate(_ data: Data, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var input = [UInt8](data)
        let count = input.count
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(count)
            while stream.avail_in > 0 {
                if finished {
                    // Concatenated gzip members are valid gzip: start the next one.
                    guard inflateReset(&stream) == Z_OK else { throw RefundFileReader.ReadError(message: "zlib reset failed on \(path)") }
                    finished = false
                }
                let status = try output.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let s = CZlib.inflate(&stream, Z_NO_FLUSH)
                    let produced = outBuf.count - Int(stream.avail_out)
                    try sink(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(outBuf)[0..<produced]))
                    return s
                }
                if status == Z_STREAM_END {
                    finished = true
                } else if status != Z_OK && status != Z_BUF_ERROR {
                    let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw RefundFileReader.ReadError(message: "\(path) is not valid gzip: \(reason)")
                }
                if status == Z_BUF_ERROR && stream.avail_in > 0 && stream.avail_out > 0 { break }
            }
        }
    }
}
