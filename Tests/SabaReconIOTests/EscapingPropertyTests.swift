import Foundation
import SabaReconCore
import Testing
import TestSupport
@testable import SabaReconIO

/// SPEC §6, as a property: random text built from what breaks escaping (markup and CSV
/// specials, U+0600-U+0605, U+0301, ZWJ, emoji, surrogate escapes) goes through each writer
/// and comes back through a real reader unchanged: the page through Chromium's HTML parser,
/// the CSV through Python's csv module, a shared run's ticket line through its decoder.
/// `SABA_RECON_PROPERTY_CASES` sets the count (300 here; `scripts/property-tests` 20,000).
/// The text comes from TestSupport's `HostileText`.
@Suite(.serialized) struct EscapingPropertyTests {
    static func texts(seed: UInt64) -> [String] {
        var g = Gen(state: seed)
        return (0..<Gen.cases).map { _ in HostileText.make(&g) }
    }

    func folder() throws -> URL {
        let url = TestTemp.url("escaping")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let window = FetchWindow(index: 0, start: Date(timeIntervalSince1970: 1_782_864_000), end: Date(timeIntervalSince1970: 1_785_456_000))

    static func rows(_ texts: [String], offset: Int) -> Reconciliation {
        var r = Reconciliation()
        r.add(rows: texts.enumerated().map { i, s in
            Discrepancy(window: window, provider: "ebet", kind: .refundNotApplied, transId: String(format: "t%06d", offset + i), memberId: s,
                        currency: "USD", providerStatus: "200", providerStake: 1, providerNet: 1, ledgerNet: 0, detail: s)
        })
        return r.sorted()
    }

    @Test func theCSVReadBackByPythonsCSVModuleGivesTheSameCells() throws {
        let python = try ExternalReader.require(["python3"], package: "python3")
        let texts = Self.texts(seed: 7)
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = ReportRenderer(runId: "RUN-1").discrepanciesCSV(Self.rows(texts, offset: 0))
        let file = dir.appendingPathComponent("d.csv")
        try Data(csv.utf8).write(to: file)
        // Python's csv module, strict: every row as a JSON array of cells, UTF-8 in and out.
        let script = "import csv,json,sys\nwith open(sys.argv[1],newline='',encoding='utf-8') as f:\n json.dump([r for r in csv.reader(f,strict=True)],sys.stdout,ensure_ascii=False)"
        let out = try python.run(["-c", script, file.path], timeout: 60)
        guard case .array(let rows) = try JSONValue.parse([UInt8](out)) else { Issue.record("not JSON"); return }
        #expect(rows.count == texts.count + 1)
        let sorted = Self.rows(texts, offset: 0).rows
        for (i, row) in rows.dropFirst().enumerated() {
            guard case .array(let cells) = row else { Issue.record("row \(i) is not an array"); continue }
            #expect(cells.count == 14, "row \(i): \(cells.count) cells for \(sorted[i].detail.debugDescription)")
            guard cells.count == 14, case .string(let member) = cells[6], case .string(let detail) = cells[13] else { continue }
            // The guard's quote is the only change: a text starting = + - @ TAB CR carries it.
            let expected = sorted[i].detail
            let guarded = expected.unicodeScalars.first.map { ["=", "+", "-", "@", "\t", "\r"].contains($0) } ?? false
            let want = guarded ? "'" + expected : expected
            #expect(Array(detail.unicodeScalars) == Array(want.unicodeScalars), "\(expected.debugDescription) read back as \(detail.debugDescription)")
            #expect(Array(member.unicodeScalars) == Array(want.unicodeScalars))
        }
    }

    /// Chromium's serialisation of a text node: `&`, `<`, `>` and U+00A0 escaped, after the
    /// HTML parser turned CR and CRLF into LF.
    static func serialised(_ text: String) -> String {
        var s = String.UnicodeScalarView()
        var scalars = Array(text.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            if c == "\r" {
                if scalars.first == "\n" { scalars.removeFirst() }
                s.append("\n")
            } else if c == "&" { s.append(contentsOf: "&amp;".unicodeScalars)
            } else if c == "<" { s.append(contentsOf: "&lt;".unicodeScalars)
            } else if c == ">" { s.append(contentsOf: "&gt;".unicodeScalars)
            } else if c == "\u{A0}" { s.append(contentsOf: "&nbsp;".unicodeScalars)
            } else { s.append(c) }
        }
        return String(s)
    }

    @Test func thePageParsedByChromiumHoldsTheTextAsText() throws {
        let chromium = try ExternalReader.require(["chromium", "chromium-browser", "google-chrome"], package: "chromium")
        let texts = Self.texts(seed: 11)
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                      "--user-data-dir=\(dir.appendingPathComponent("chrome").path)"]
        // The page lists at most HTMLReport.tableRowLimit rows: one page per batch.
        let batch = HTMLReport.tableRowLimit
        for start in stride(from: 0, to: texts.count, by: batch) {
            let part = Array(texts[start..<min(texts.count, start + batch)])
            let result = Self.rows(part, offset: start)
            let context = ReportContext(runId: "RUN-1", toolVersion: "t", now: Date(timeIntervalSince1970: 1_785_500_000), rangeStart: Self.window.start,
                                        rangeEnd: Self.window.end, outcome: .discrepancies, exitStatus: 1, windows: 1, ticketsStaged: 0, inputs: [])
            let page = HTMLReport(context: context, result: result, tables: ReportTables(runId: "RUN-1"), trend: [])
            let file = dir.appendingPathComponent("report-\(start).html")
            try Data(HTMLReportRenderer().render(page).utf8).write(to: file)
            let dom = try String(decoding: chromium.run(common + ["--dump-dom", file.absoluteString], timeout: 180), as: UTF8.self)
            // Nothing the texts carry became an element: the page's own meta and style only.
            #expect(!dom.contains("http-equiv=\"refresh\""))
            #expect(dom.components(separatedBy: "<style").count == 2)
            #expect(dom.components(separatedBy: "<meta").count == 4)
            // Each text is one cell's text, exactly.
            for row in result.rows {
                let cell = "<td>\(Self.serialised(row.detail))</td>"
                #expect(dom.contains(cell), "\(row.detail.debugDescription) is not a cell's text")
            }
        }
    }

    @Test func aTicketLineDecodesToTheSameTicket() throws {
        var g = Gen(state: 3)
        for _ in 0..<Gen.cases {
            let t = Ticket(transId: HostileText.make(&g), memberId: HostileText.make(&g), parlayTicketNo: g.below(3) == 0 ? nil : HostileText.make(&g),
                           stake: 10, transTime: Date(timeIntervalSince1970: 1_785_000_000), status: TicketStatus(HostileText.make(&g)), currency: 3,
                           resettles: g.below(3) == 0 ? [] : [Resettle(resettleDate: nil, balanceChange: true, status: TicketStatus(HostileText.make(&g)), reSettlePrice: 5)])
            let line = TicketLine.encode(t)
            let back = try TicketLine.decode(line)
            #expect(back == t, "\(t.transId.debugDescription) / \(t.memberId.debugDescription)")
        }
        // The case that did not round-trip on Characters: a field starting "=" + U+0301.
        let fused = Ticket(transId: "=\u{0301}1", memberId: "\\\u{0301}x\u{1F}\u{0301}", stake: 1, transTime: Date(timeIntervalSince1970: 0), status: .running, currency: 3)
        #expect(try TicketLine.decode(TicketLine.encode(fused)) == fused)
    }
}
