import Foundation
import SabaReconCore

/// One ledger entry in the spool's record format (`LedgerSpool`), read in place. The
/// staging hands these from the SQLite ledger to the spool, the digest and the id filter
/// without making a `String` of any field; only the match walk makes a `LedgerEntry`.
/// Every field is checked to lie inside the record when the view is made, so a damaged
/// spool is an error and never a read past its bytes.
struct LedgerRecord {
    /// The ten texts, in their order in the record.
    enum Field: Int, CaseIterable {
        case ticketId, entryId, provider, memberId, kind, currency, ref, eventId, marketId, specifiers
    }

    /// A length word that does not fit its record.
    struct Damage: Error {
        var what: String
    }

    /// The amount (16 bytes) and `created_at` (8) before the texts.
    static let fixedBytes = 24
    /// The length word of a NULL text.
    static let null = UInt32.max

    /// The whole record, its length word first.
    let bytes: UnsafeRawBufferPointer
    /// Where each text's length word is, from the record's start.
    private var starts = InlineArray<10, Int32>(repeating: 0)

    /// A record's length word, checked: room for the amount, the time and ten text lengths,
    /// at most `LedgerSpool.maxRecordBytes`.
    static func length(_ word: UInt32) throws(Damage) -> Int {
        let length = Int(word)
        guard length >= fixedBytes + 40, length <= LedgerSpool.maxRecordBytes else { throw Damage(what: "a record length of \(length)") }
        return length
    }

    /// Views the record at the start of `bytes` (which may run on past it).
    init(_ bytes: UnsafeRawBufferPointer) throws(Damage) {
        guard bytes.count >= 4 else { throw Damage(what: "a record cut short") }
        let length = try Self.length(bytes.loadUnaligned(as: UInt32.self).littleEndian)
        guard length <= bytes.count - 4 else { throw Damage(what: "a record cut short") }
        self.bytes = UnsafeRawBufferPointer(rebasing: bytes[0..<(4 + length)])
        var at = 4 + Self.fixedBytes
        for i in 0..<10 {
            guard at + 4 <= self.bytes.count else { throw Damage(what: "a field past its record") }
            starts[i] = Int32(at)
            let n = self.bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian
            at += 4
            if n != Self.null {
                guard Int(n) <= self.bytes.count - at else { throw Damage(what: "a field past its record") }
                at += Int(n)
            }
        }
    }

    var amount: Money {
        let low = bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self).littleEndian
        let high = bytes.loadUnaligned(fromByteOffset: 12, as: UInt64.self).littleEndian
        return Money(units: Int128(Int64(bitPattern: high)) << 64 | Int128(low))
    }

    /// `created_at`'s Float64 bits.
    var createdAtBits: UInt64 { bytes.loadUnaligned(fromByteOffset: 20, as: UInt64.self).littleEndian }

    /// A text's bytes; nil for NULL.
    func text(_ field: Field) -> UnsafeRawBufferPointer? {
        let at = Int(starts[field.rawValue])
        let n = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian
        if n == Self.null { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[(at + 4)..<(at + 4 + Int(n))])
    }

    /// A text as a `String`; nil for NULL.
    func string(_ field: Field) -> String? {
        text(field).map { String(decoding: $0, as: UTF8.self) }
    }

    var ticketId: UnsafeRawBufferPointer { text(.ticketId) ?? UnsafeRawBufferPointer(start: nil, count: 0) }
    var entryId: UnsafeRawBufferPointer { text(.entryId) ?? UnsafeRawBufferPointer(start: nil, count: 0) }

    /// The entry, every text made a `String`.
    func entry() -> LedgerEntry {
        LedgerEntry(entryId: string(.entryId) ?? "", provider: string(.provider) ?? "", ticketId: string(.ticketId) ?? "",
                    memberId: string(.memberId) ?? "", kind: string(.kind) ?? "", amount: amount, currency: string(.currency) ?? "",
                    createdAt: Date(timeIntervalSince1970: Double(bitPattern: createdAtBits)), ref: string(.ref),
                    eventId: string(.eventId), marketId: string(.marketId), specifiers: string(.specifiers))
    }
}
