import SabaReconCore

/// Random text built from what breaks escaping (SPEC §6): markup and CSV specials,
/// prepended and combining marks, joiners, emoji, the ticket line's separator, and
/// surrogate escapes as JSON sends them, decoded by the job's own JSON parser (a lone
/// surrogate becomes U+FFFD, as RFC 8259 readers do).
public enum HostileText {
    public static let pieces: [String] = ["<", ">", "\"", "'", "&", ",", "=", "+", "-", "@", "\t", "\r", "\n", "\r\n",
                                          "\u{0600}", "\u{0601}", "\u{0602}", "\u{0603}", "\u{0604}", "\u{0605}", "\u{0301}", "\u{200D}",
                                          "😀", "👩‍👩‍👧", "a", "b", "x ", "<meta http-equiv=refresh content=0>", "=1+1", "\\", "\u{1F}", "é", "</td>", "<style>"]
    public static let jsonEscapes: [String] = ["\\ud83d\\ude00", "\\ud800", "\\udfff", "\\u0600", "\\u003c"]

    public static func make(_ g: inout Gen) -> String {
        var json = "\""
        for _ in 0..<(1 + g.below(12)) {
            if g.below(6) == 0 {
                json += g.pick(jsonEscapes)
            } else {
                // By scalar: a quote beside a combining mark is one Character.
                json += String(String.UnicodeScalarView(JSONValue.quote(g.pick(pieces)).unicodeScalars.dropFirst().dropLast()))
            }
        }
        json += "\""
        guard case .string(let s)? = try? JSONValue.parse(json) else { return "?" }
        return s
    }
}
