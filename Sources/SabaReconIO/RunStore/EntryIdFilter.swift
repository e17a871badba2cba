import Foundation

/// Which ledger entry ids may have been seen already, in about 12 bits an id: a Bloom
/// filter whose layers double in size as ids come (so a small ledger costs 256 KB and
/// 2 million ids about 6 MB). A "maybe" is only a candidate: `RunStore.stageLedger`
/// counts the candidates exactly before calling an id repeated. Entry ids must be unique
/// (SPEC 1.3), and the spooled ledger has no unique index to say so.
struct EntryIdFilter {
    private struct Layer {
        var words: [UInt64]
        var capacity: Int
        var count = 0
        var mask: UInt64 { UInt64(words.count * 64 - 1) }
    }

    private static let probes = 7
    private static let bitsPerId = 12
    private var layers: [Layer] = [Self.layer(bits: 1 << 21)]

    private static func layer(bits: Int) -> Layer {
        Layer(words: [UInt64](repeating: 0, count: bits / 64), capacity: bits / bitsPerId)
    }

    /// Adds `id`; true when it may have been added before.
    mutating func insert(_ id: String) -> Bool {
        var id = id
        return id.withUTF8 { insert(UnsafeRawBufferPointer($0)) }
    }

    /// Adds the id of these UTF-8 bytes; true when it may have been added before.
    mutating func insert(_ id: UnsafeRawBufferPointer) -> Bool {
        let (h1, h2) = Self.hashes(id)
        let seen = layers.contains { Self.contains($0, h1, h2) }
        if layers[layers.count - 1].count >= layers[layers.count - 1].capacity {
            layers.append(Self.layer(bits: layers[layers.count - 1].words.count * 64 * 2))
        }
        let last = layers.count - 1
        let mask = layers[last].mask
        layers[last].words.withUnsafeMutableBufferPointer { w in
            for i in 0..<UInt64(Self.probes) {
                let bit = (h1 &+ i &* h2) & mask
                w[Int(bit >> 6)] |= 1 << (bit & 63)
            }
        }
        layers[last].count += 1
        return seen
    }

    private static func contains(_ layer: Layer, _ h1: UInt64, _ h2: UInt64) -> Bool {
        let mask = layer.mask
        return layer.words.withUnsafeBufferPointer { w in
            for i in 0..<UInt64(probes) {
                let bit = (h1 &+ i &* h2) & mask
                if w[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
            }
            return true
        }
    }

    /// FNV-1a over the UTF-8 bytes, and a second hash mixed from it (odd, so the probes
    /// of one id differ).
    private static func hashes(_ id: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var z = h &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return (h, (z ^ (z >> 31)) | 1)
    }
}
