import Foundation
import SabaReconCore

/// A seeded generator for property tests (SplitMix64): a failure repeats with its seed.
/// `SABA_RECON_PROPERTY_CASES` sets the number of cases (default 300 per property;
/// `scripts/property-tests` runs 20,000).
public struct Gen {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public static var cases: Int { Int(ProcessInfo.processInfo.environment["SABA_RECON_PROPERTY_CASES"] ?? "") ?? 300 }

    public mutating func next() -> UInt64 {  // SplitMix64
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Bytes drawn mostly from the alphabet of numbers and JSON, sometimes anything.
    public mutating func bytes(_ count: Int, alphabet: [UInt8]) -> [UInt8] {
        (0..<count).map { _ in below(8) == 0 ? UInt8(truncatingIfNeeded: next()) : pick(alphabet) }
    }

    /// `base` with a few bytes flipped, inserted or removed.
    public mutating func mutate(_ base: [UInt8], alphabet: [UInt8]) -> [UInt8] {
        var out = base
        for _ in 0..<(1 + below(4)) {
            guard !out.isEmpty else { break }
            let at = below(out.count)
            switch below(3) {
            case 0: out[at] = below(2) == 0 ? pick(alphabet) : UInt8(truncatingIfNeeded: next())
            case 1: out.insert(pick(alphabet), at: at)
            default: out.remove(at: at)
            }
        }
        return out
    }
}
