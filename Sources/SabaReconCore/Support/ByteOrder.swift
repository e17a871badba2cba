import Foundation

/// Texts compared by their UTF-8 bytes, as SQLite's BINARY collation and PostgreSQL's
/// `COLLATE "C"` order them (String's own `==` and `<` follow Unicode canonical
/// equivalence instead). One `memcmp`, where `utf8.elementsEqual` and
/// `lexicographicallyPrecedes` walked the bytes one at a time on the ledger's hot paths.
public enum ByteOrder {
    /// The same bytes.
    public static func equal(_ a: String, _ b: String) -> Bool {
        compare(a, b) == 0
    }

    /// `a` sorts before `b` byte by byte (a prefix first).
    public static func precedes(_ a: String, _ b: String) -> Bool {
        compare(a, b) < 0
    }

    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in compare(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) } }
    }

    /// Bytes against a text's UTF-8.
    public static func compare(_ bytes: UnsafeRawBufferPointer, _ text: String) -> Int {
        var text = text
        return text.withUTF8 { compare(bytes, UnsafeRawBufferPointer($0)) }
    }

    /// Bytes against bytes (a prefix first).
    public static func compare(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Int {
        let common = min(x.count, y.count)
        if common > 0, let xa = x.baseAddress, let ya = y.baseAddress {
            let c = memcmp(xa, ya, common)
            if c != 0 { return Int(c) }
        }
        return x.count - y.count
    }
}
