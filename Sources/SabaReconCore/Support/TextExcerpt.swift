/// A bounded excerpt of an outsider's text (SPEC §6): what a report keeps of a malformed
/// line's field or reason. Cut on Unicode scalars, so the excerpt is valid text, with a
/// visible marker saying how long the whole was.
public enum TextExcerpt {
    /// What a malformed record's reason keeps (the line itself stays in the file, named by line).
    public static let reasonLimit = 2048
    /// A provider name is a short word (`ebet`); anything longer is an outsider's text.
    public static let providerLimit = 64

    public static func cut(_ text: String, maxScalars: Int) -> String {
        // Bytes bound scalars from above: most texts are short and pass without a count.
        guard text.utf8.count > maxScalars else { return text }
        let total = text.unicodeScalars.count
        guard total > maxScalars else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(maxScalars))) + "… [cut: \(total) characters]"
    }
}
