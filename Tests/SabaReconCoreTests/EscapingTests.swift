import Foundation
import Testing
import TestSupport
@testable import SabaReconCore

/// SPEC §6: escaping works on Unicode scalars or bytes, never on Characters. Each case was a
/// working injection when the writers walked Characters.
@Suite struct EscapingTests {
    @Test func aPrependedMarkDoesNotCarryMarkupPastTheHTMLEscaper() {
        let text = "\u{0600}<meta http-equiv=refresh content=3;url=https://example.org/ \u{0600}>"
        let escaped = HTMLText.escape(text)
        #expect(!escaped.utf8.contains(0x3C) && !escaped.utf8.contains(0x3E))
        #expect(escaped == "\u{0600}&lt;meta http-equiv=refresh content=3;url=https://example.org/ \u{0600}&gt;")
        #expect(HTMLText.escape("a\u{0301}\"b'&") == "a\u{0301}&quot;b&#39;&amp;")
        #expect(HTMLText.escape("\u{0301}<") == "\u{0301}&lt;")
        // swift-mustache's own escaper leaves the fused "<" raw: why the templates select ours.
        #expect(Character("\u{0600}<") != Character("<"))
    }

    @Test func thePageRendersOutsidersTextByByte() throws {
        var r = Reconciliation()
        let hostile = "\u{0600}<meta http-equiv=refresh content=3;url=https://example.org/ \u{0600}>"
        r.add(rows: [Discrepancy(window: FetchWindow(index: 0, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 86_400)),
                                 provider: hostile, kind: .malformedRecord, transId: "f.jsonl:1", memberId: "", currency: "", detail: "x\u{0301}<b>")])
        let context = ReportContext(runId: "RUN-1", toolVersion: "t", now: Date(timeIntervalSince1970: 90_000), rangeStart: Date(timeIntervalSince1970: 0),
                                    rangeEnd: Date(timeIntervalSince1970: 86_400), outcome: .discrepancies, exitStatus: 1, windows: 1, ticketsStaged: 0, inputs: [])
        let html = try HTMLReportRenderer().render(HTMLReport(context: context, result: r.sorted(), tables: ReportTables(runId: "RUN-1"), trend: []))
        #expect(!html.contains("<meta http-equiv=refresh"))
        #expect(html.contains("\u{0600}&lt;meta http-equiv=refresh content=3;url=https://example.org/ \u{0600}&gt;"))
        #expect(html.contains("x\u{0301}&lt;b&gt;"))
        #expect(!html.contains("{{%"), "the pragma is consumed by the template, not printed")
    }

    @Test func aMarkBesideACommaOrQuoteDoesNotEscapeCSVQuoting() {
        // Was 15 cells against a header of 14, the extra one starting with '='.
        #expect(CSVWriter.render(.text("x\u{0600},=1+1")) == "\"x\u{0600},=1+1\"")
        #expect(CSVWriter.render(.text("a\u{0600}\"b")) == "\"a\u{0600}\"\"b\"")
        #expect(CSVWriter.render(.text("=\u{0301}1+1")) == "'=\u{0301}1+1")
        #expect(CSVWriter.render(.text("=1,2")) == "\"'=1,2\"")
        #expect(CSVWriter.render(.text("a\r\nb")) == "\"a\r\nb\"")
        #expect(CSVWriter.render(.text("plain")) == "plain")
        #expect(CSVWriter.render(.number("-12.50")) == "-12.50")
    }

    @Test func aCellLongerThanTheWorkbookHoldsIsCutWithAMarker() {
        let long = String(repeating: "x", count: 40_000)
        let cut = WorkbookBuilder.fitted(long)
        #expect(cut.utf16.count <= WorkbookBuilder.cellTextLimit)
        #expect(cut.hasSuffix(" … [cut: 40,000 characters; the whole text is in the CSV and JSON files]"))
        #expect(cut.hasPrefix(String(repeating: "x", count: 30_000)))
        // Emoji take two UTF-16 units each: the cut counts what Excel counts, and never splits one.
        let emoji = String(repeating: "😀", count: 20_000)
        let emojiCut = WorkbookBuilder.fitted(emoji)
        #expect(emojiCut.utf16.count <= WorkbookBuilder.cellTextLimit && emojiCut.contains("[cut: 20,000 characters"))
        #expect(WorkbookBuilder.fitted("short") == "short")
        #expect(WorkbookBuilder.fitted(String(repeating: "y", count: 32_767)).count == 32_767)
    }

    @Test func aMalformedLineKeepsABoundedExcerpt() {
        let huge = String(repeating: "A", count: 8 << 20)
        let m = MalformedRecord(location: RecordLocation(file: "f", line: 1), reason: "bad '\(huge)'", provider: huge)
        #expect(m.reason.unicodeScalars.count < TextExcerpt.reasonLimit + 40 && m.reason.hasSuffix("[cut: \(huge.count + 6) characters]"))
        #expect((m.provider?.unicodeScalars.count ?? 0) < TextExcerpt.providerLimit + 40)
        #expect(MalformedRecord(location: RecordLocation(file: "f", line: 1), reason: "short", provider: "ebet").provider == "ebet")
        // Parsed from a line: a provider name of megabytes becomes an excerpt.
        let line = Array("{\"provider\":\"\(String(repeating: "p", count: 100_000))\",\"request\":{\"x\":1}}".utf8)
        guard case .malformed(let record) = RefundRecordParser.parse(line: line, at: RecordLocation(file: "f", line: 2)) else {
            Issue.record("not malformed")
            return
        }
        #expect((record.provider?.count ?? 0) < 120)
    }

    @Test func theOneURLRedactionHidesQueryPasswordsToo() {
        let r = CommandLineRedactor.redactURLPassword
        #expect(r("postgres://r@db/w?password=hunter2") == "postgres://r@db/w?password=[REDACTED]")
        #expect(r("postgres://r@db/w?sslmode=require&sslpassword=k3y&application_name=a") == "postgres://r@db/w?sslmode=require&sslpassword=[REDACTED]&application_name=a")
        #expect(r("postgres://r:pw@db/w?PassWord=x") == "postgres://r:[REDACTED]@db/w?PassWord=[REDACTED]")
        #expect(r("postgres://r@db/w?pass%77ord=x") == "postgres://r@db/w?pass%77ord=[REDACTED]")
        // A password holding '@' or '/' is hidden whole.
        #expect(r("postgres://r:p@ss/w0rd@db:5432/w") == "postgres://r:[REDACTED]@db:5432/w")
        #expect(r("https://saba.example/api") == "https://saba.example/api")
        // Review: unencoded '?', '#' or '&' in a password (URLs that do not parse) leaked a part.
        #expect(r("postgres://recon:s3cr?t@db.example/ledger") == "postgres://recon:[REDACTED]@db.example/ledger")
        #expect(r("postgres://r@db/w?password=ab#cd") == "postgres://r@db/w?password=[REDACTED]")
        #expect(r("postgres://r@db/w?password=a&b&sslmode=require") == "postgres://r@db/w?password=[REDACTED]&sslmode=require")
        #expect(r("postgres://r:p/w@db/w") == "postgres://r:[REDACTED]@db/w")
        #expect(r("sqlite:ledger.sqlite?password=x") == "sqlite:ledger.sqlite?password=x")
        #expect(Settings.redact("postgres://r@db/w?password=hunter2", .urlPassword) == "postgres://r@db/w?password=[REDACTED]")
        #expect(CommandLineRedactor.redact(["run", "--ledger", "postgres://r@db/w?password=hunter2", "--store=postgres://s@h/d?sslpassword=zz"])
            == ["run", "--ledger", "postgres://r@db/w?password=[REDACTED]", "--store=postgres://s@h/d?sslpassword=[REDACTED]"])
    }
}

/// The escapers on random hostile text (`HostileText`); the same text read back by real
/// readers (Chromium, Python's csv module) is SabaReconIOTests' EscapingPropertyTests.
@Suite struct CoreEscapingPropertyTests {
    /// The five entities back to their bytes (a reader of our own, byte by byte like the writer).
    static func unescape(_ html: String) -> [UInt8] {
        let entities: [([UInt8], UInt8)] = [(Array("&lt;".utf8), 0x3C), (Array("&gt;".utf8), 0x3E), (Array("&quot;".utf8), 0x22),
                                            (Array("&#39;".utf8), 0x27), (Array("&amp;".utf8), 0x26)]
        let b = Array(html.utf8)
        var out: [UInt8] = []
        var i = 0
        outer: while i < b.count {
            for (e, byte) in entities where b.count - i >= e.count && Array(b[i..<(i + e.count)]) == e {
                out.append(byte)
                i += e.count
                continue outer
            }
            out.append(b[i])
            i += 1
        }
        return out
    }

    @Test func escapedTextNeverHoldsAnUnescapedSpecial() {
        var g = Gen(state: 20)
        for _ in 0..<Gen.cases {
            let s = HostileText.make(&g)
            let html = HTMLText.escape(s)
            let specials: Set<UInt8> = [0x3C, 0x3E, 0x22, 0x27]
            let raw = html.utf8.contains { specials.contains($0) }
            #expect(!raw, "\(s.debugDescription)")
            // Unescaping gives the text back, scalar for scalar.
            #expect(Self.unescape(html) == Array(s.utf8))
            let csv = CSVWriter.render(.text(s))
            let quoted = csv.utf8.first == 0x22
            let csvSpecials: Set<UInt8> = [0x2C, 0x22, 0x0D, 0x0A]
            if s.utf8.contains(where: { csvSpecials.contains($0) }) { #expect(quoted, "\(s.debugDescription)") }
        }
    }
}
