import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SabaReconCore
import Testing
import TestSupport
@testable import SabaReconIO

/// The workbook and the page opened by the programs people use (SPEC §8), not only by our
/// own model tests: LibreOffice reads the workbook, Chromium renders the page.
@Suite(.serialized) struct ReportReadersTests {
    let folder: URL

    init() throws {
        folder = TestTemp.url("readers")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func workbookData() throws -> Data {
        let result = ReportSample.reconciliation()
        let tables = ReportTables(runId: "RUN-1")
        let book = WorkbookBuilder(context: ReportSample.context()).build(
            discrepancies: tables.discrepancies(result), summary: tables.summary(result), daily: tables.daily(result), pending: tables.pending(result))
        return try WorkbookWriter.data(book, scratch: folder)
    }

    func writeWorkbook() throws -> URL {
        let url = folder.appendingPathComponent("discrepancies.xlsx")
        try workbookData().write(to: url)
        return url
    }

    @Test func libreOfficeReadsTheIdsExactlyAsTheCSVHasThem() throws {
        let soffice = try ExternalReader.require(["soffice", "libreoffice"], package: "libreoffice-calc-nogui")
        let book = try writeWorkbook()
        let profile = folder.appendingPathComponent("lo-profile")
        try soffice.run(["-env:UserInstallation=file://\(profile.path)", "--headless", "--convert-to", "csv", "--outdir", folder.path, book.path], timeout: 180)
        let exported = try String(contentsOf: folder.appendingPathComponent("discrepancies.csv"), encoding: .utf8)
        let exportedTable = try CSVTable(parsing: exported)
        let csvTable = try CSVTable(parsing: ReportRenderer(runId: "RUN-1").discrepanciesCSV(ReportSample.reconciliation()))
        #expect(exportedTable.rows.count == csvTable.rows.count)
        #expect(exportedTable.header == csvTable.header.map { $0.hasPrefix("window_") ? "\($0) (UTC)" : $0 })
        let exportedIds = exportedTable.values("trans_id")
        let csvIds = csvTable.values("trans_id")
        #expect(exportedIds == csvIds)
        #expect(Set(exportedIds) == Set(ReportSample.ids))
        // A member id with a leading zero stays whole too.
        #expect(exportedTable.values("member_id").contains("0099"))
    }

    @Test func cellsAreTypedHeaderFrozenAndFiltered() throws {
        let unzip = try ExternalReader.require(["unzip"], package: "unzip")
        let book = try writeWorkbook()
        func part(_ name: String) throws -> XMLDocument { try XMLDocument(data: unzip.run(["-p", book.path, name])) }
        let sheet = try part("xl/worksheets/sheet1.xml")
        let styles = try part("xl/styles.xml")
        func strip(_ x: String) -> String { x.replacingOccurrences(of: " xmlns=\"[^\"]*\"", with: "", options: .regularExpression) }
        let sheetDoc = try XMLDocument(xmlString: strip(sheet.xmlString))
        let styleDoc = try XMLDocument(xmlString: strip(styles.xmlString))
        let formats = Dictionary(uniqueKeysWithValues: try styleDoc.nodes(forXPath: "//numFmts/numFmt").compactMap { node -> (String, String)? in
            guard let e = node as? XMLElement, let id = e.attribute(forName: "numFmtId")?.stringValue, let code = e.attribute(forName: "formatCode")?.stringValue else { return nil }
            return (id, code)
        })
        let xfs = try styleDoc.nodes(forXPath: "//cellXfs/xf").compactMap { ($0 as? XMLElement)?.attribute(forName: "numFmtId")?.stringValue }
        func cell(_ ref: String) throws -> (type: String?, format: String?, value: String) {
            guard let c = try sheetDoc.nodes(forXPath: "//c[@r='\(ref)']").first as? XMLElement else { throw ExternalReader.Failure(description: "no cell \(ref)") }
            let style = Int(c.attribute(forName: "s")?.stringValue ?? "0") ?? 0
            let format = style < xfs.count ? formats[xfs[style]] : nil
            return (c.attribute(forName: "t")?.stringValue, format, c.stringValue ?? "")
        }
        // Rows in report order: 300000002121 (net_mismatch), 12345678901234567890 (refund_not_applied), 0012 (stake_mismatch).
        for (row, id) in [(2, "300000002121"), (3, "12345678901234567890"), (4, "0012")] {
            let c = try cell("F\(row)")
            #expect(c.type == "inlineStr" && c.value == id && c.format == "@")
        }
        let stake = try cell("J2")
        #expect(stake.type == nil && stake.value == "100" && stake.format == "#,##0.00")
        let yen = try cell("J3")
        #expect(yen.type == nil && yen.value == "1200" && yen.format == "#,##0")
        let usdt = try cell("J4")
        #expect(usdt.type == nil && usdt.value == "10.1234" && usdt.format == "#,##0.0000")
        // 2026-07-01T00:00:00Z as a spreadsheet serial day (1899-12-30 is day 0).
        let start = try cell("B2")
        #expect(start.type == nil && start.format == "yyyy-mm-dd hh:mm:ss" && Double(start.value) == 46204)
        let pane = try sheetDoc.nodes(forXPath: "//sheetView/pane").first as? XMLElement
        #expect(pane?.attribute(forName: "state")?.stringValue == "frozen" && pane?.attribute(forName: "ySplit")?.stringValue == "1")
        let filter = try sheetDoc.nodes(forXPath: "//autoFilter").first as? XMLElement
        #expect(filter?.attribute(forName: "ref")?.stringValue == "A1:N4")
        let widths = try sheetDoc.nodes(forXPath: "//cols/col").compactMap { Double(($0 as? XMLElement)?.attribute(forName: "width")?.stringValue ?? "") }
        #expect(widths.count == 14 && widths.allSatisfy { $0 >= 8 })
        // The Summary sheet: the run's header block above a frozen, filtered table.
        let summary = try XMLDocument(xmlString: strip(part("xl/worksheets/sheet2.xml").xmlString))
        #expect(try summary.nodes(forXPath: "//c[@r='B1']").first?.stringValue == "RUN-1")
        let summaryPane = try summary.nodes(forXPath: "//sheetView/pane").first as? XMLElement
        // Seven lines of header block, a blank line, then the table header: rows 1-9 stay in view.
        #expect(summaryPane?.attribute(forName: "ySplit")?.stringValue == "9")
        let names = try XMLDocument(xmlString: strip(part("xl/workbook.xml").xmlString)).nodes(forXPath: "//sheets/sheet").compactMap { ($0 as? XMLElement)?.attribute(forName: "name")?.stringValue }
        #expect(names == ["Discrepancies", "Summary", "Daily", "Pending"])
        let core = try String(decoding: unzip.run(["-p", book.path, "docProps/core.xml"]), as: UTF8.self)
        #expect(core.contains("2026-07-31T12:13:20Z"))
    }

    @Test func sameInputsGiveTheSameWorkbookBytes() throws {
        let a = try workbookData()
        let b = try workbookData()
        #expect(a == b && a.count > 1000)
        // The build leaves nothing behind in the run folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func chromiumShowsEveryKindWithItsCountAndOutsidersTextAsText() throws {
        let chromium = try ExternalReader.require(["chromium", "chromium-browser", "google-chrome"], package: "chromium")
        let page = HTMLReport(context: ReportSample.context(), result: ReportSample.reconciliation(), tables: ReportTables(runId: "RUN-1"), trend: [])
        let file = folder.appendingPathComponent("report.html")
        try Data(HTMLReportRenderer().render(page).utf8).write(to: file)
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                      "--user-data-dir=\(folder.appendingPathComponent("chrome").path)"]
        let dom = try String(decoding: chromium.run(common + ["--dump-dom", file.absoluteString], timeout: 120), as: UTF8.self)
        for kind in ["net_mismatch", "refund_not_applied", "stake_mismatch"] {
            #expect(dom.contains("data-kind=\"\(kind)\" data-count=\"1\""))
        }
        // The hostile member id ran nothing: the title is ours, no image element exists,
        // and the text is there as text.
        #expect(dom.contains("<title>saba-recon RUN-1: discrepancies</title>"))
        #expect(!dom.contains("pwned</title>") && !dom.contains("<img"))
        #expect(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"))
        let shot = folder.appendingPathComponent("report.png")
        try chromium.run(common + ["--hide-scrollbars", "--window-size=1280,1600", "--screenshot=\(shot.path)", file.absoluteString], timeout: 120)
        let png = try Data(contentsOf: shot)
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && png.count > 10_000)
    }
}
