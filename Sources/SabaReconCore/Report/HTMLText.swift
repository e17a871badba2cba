import Mustache

/// HTML escaping on UTF-8 bytes (SPEC §6). swift-mustache's own escaper walks `Character`s,
/// and a prepended or combining mark (U+0600, U+0301) fuses with the `<` or `"` beside it
/// into one `Character` that is not `<`: the markup went out raw. The five characters that
/// matter are ASCII, so a byte that is one of them is that character, whatever surrounds it.
public enum HTMLText {
    /// The name the templates select with `{{% CONTENT_TYPE: HTML_BYTES}}`.
    public static let contentTypeName = "HTML_BYTES"

    public static func escape(_ text: String) -> String {
        // Most cells (ids, amounts, kinds) hold none of them: no copy then.
        guard text.utf8.contains(where: isSpecial) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 32)
        for byte in text.utf8 {
            switch byte {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            case 0x27: out.append(contentsOf: "&#39;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isSpecial(_ byte: UInt8) -> Bool {
        byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27
    }

    /// The content type registered under `contentTypeName`.
    struct ContentType: MustacheContentType {
        func escapeText(_ text: String) -> String { HTMLText.escape(text) }
    }

    /// Registers the content type once; templates parsed after it may name it.
    static let registered: Void = MustacheContentTypes.register(ContentType(), named: contentTypeName)
}
