import Crypto
import Foundation

/// swift-crypto's SHA-256, under the name the rest of the code uses.
public typealias SHA256 = Crypto.SHA256

extension Crypto.SHA256 {
    /// The digest of `data` as lower-case hex, as the manifest records checksums.
    public static func hex<D: DataProtocol>(_ data: D) -> String {
        hash(data: data).hexString
    }

    public mutating func update<D: DataProtocol>(_ data: D) { update(data: data) }

    /// The digest so far, as lower-case hex.
    public func hexDigest() -> String { finalize().hexString }
}

extension Crypto.SHA256.Digest {
    var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in self { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
