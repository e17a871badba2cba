import Foundation
import SabaReconCore

/// A SHA-256 over rows, one line each of tab-separated fields: text as UTF-8, numbers as
/// their fixed-width little-endian bytes (no formatting per row), fed to the hasher in 64 KB
/// blocks rather than per field. The run's input checksums (staged ledger, staged tickets).
struct RowDigest {
    private var hasher = SHA256()
    private var buffer: [UInt8] = []
    private var fieldsInRow = 0

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func field(_ text: String) {
        var text = text
        text.withUTF8 { field(UnsafeRawBufferPointer($0)) }
    }

    /// Text already as UTF-8 bytes.
    mutating func field(_ bytes: UnsafeRawBufferPointer) {
        separate()
        buffer.append(contentsOf: bytes)
    }

    mutating func field<T: FixedWidthInteger>(_ value: T) {
        separate()
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    mutating func endRow() {
        buffer.append(0x0A)
        fieldsInRow = 0
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func finish() -> String {
        flush()
        return hasher.hexDigest()
    }

    private mutating func separate() {
        if fieldsInRow > 0 { buffer.append(0x09) }
        fieldsInRow += 1
    }

    private mutating func flush() {
        hasher.update(data: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
