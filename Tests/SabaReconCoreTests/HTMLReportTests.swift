import Crypto
import Foundation
import Testing
import TestSupport
@testable import SabaReconCore

@Suite struct HTMLReportTests {
    func render(_ result: Reconciliation = ReportSample.reconciliation(), trend: [RunTrendPoint] = []) throws -> String {
        let page = HTMLReport(context: ReportSample.context(), result: result, tables: ReportTables(runId: "RUN-1"), trend: trend)
        return try HTMLReportRenderer().render(page)
    }

    @Test func outsidersTextIsEscapedEverywhere() throws {
        let html = try render()
        #expect(!html.contains("<script>document.title"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"))
        // Exactly one script element: the page's own filter.
        #expect(html.components(separatedBy: "<script").count == 2)
    }

    @Test func theOnlyScriptIsAllowedByItsHashAndNothingExternalLoads() throws {
        let html = try render()
        let hash = "sha256-" + Data(Crypto.SHA256.hash(data: Data(HTMLReportTemplate.script.utf8))).base64EncodedString()
        #expect(html.contains("script-src '\(hash)'"))
        #expect(html.contains("default-src 'none'"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src=\""))
    }

    @Test func everyKindWithItsCountAndMoneyAtStakePerCurrency() throws {
        let html = try render()
        for (kind, count) in [("net_mismatch", 1), ("refund_not_applied", 1), ("stake_mismatch", 1)] {
            #expect(html.contains("data-kind=\"\(kind)\" data-count=\"\(count)\""))
        }
        let page = HTMLReport(context: ReportSample.context(), result: ReportSample.reconciliation(), tables: ReportTables(runId: "RUN-1"), trend: [])
        #expect(page.cards.map(\.currency) == ["JPY", "USD", "USDT"])
        #expect(page.cards.map(\.atStake) == ["1200", "0.50", "0.0034"])
        #expect(page.cards.map(\.net) == ["-1200", "-0.50", "0.0034"])
    }

    @Test func trendIsOldestFirstWithThisRunLastAndBounded() {
        let earlier = (0..<40).map { i in
            RunTrendPoint(runId: String(format: "R%02d", i), now: ReportSample.now.addingTimeInterval(Double(i - 50) * 86_400), outcome: .discrepancies,
                          discrepancies: i, moneyAtStake: ["USD": ReportSample.money("\(i).5")])
        }
        let page = HTMLReport(context: ReportSample.context(), result: ReportSample.reconciliation(), tables: ReportTables(runId: "RUN-1"), trend: earlier.shuffled())
        #expect(page.trend.columns.count == HTMLReport.trendRuns)
        #expect(page.trend.columns.last?.current == true)
        #expect(page.trend.table.rows.first?.cells.first?.text == "RUN-1")
        #expect(page.trend.table.rows[1].cells.map(\.text) == ["R39", UTCTime.iso(earlier[39].now), "discrepancies", "39", "39.50 USD"])
        #expect(page.trend.columns.map(\.height).max() == 120)
    }

    @Test func aLongRunListsTheFirstRowsAndSaysWhereTheRestAre() throws {
        var result = Reconciliation()
        let one = ReportSample.reconciliation().rows[0]
        result.add(rows: [Discrepancy](repeating: one, count: HTMLReport.tableRowLimit + 5))
        let page = HTMLReport(context: ReportSample.context(), result: result, tables: ReportTables(runId: "RUN-1"), trend: [])
        #expect(page.discrepancies.rows.count == HTMLReport.tableRowLimit)
        #expect(page.shownNote == "The first 2000 of 2005 discrepancies; all are in discrepancies.csv and discrepancies.xlsx.")
    }

    @Test func aCleanRunSaysSo() throws {
        var context = ReportSample.context()
        context.outcome = .reconciled
        context.exitStatus = 0
        let html = try HTMLReportRenderer().render(HTMLReport(context: context, result: Reconciliation(), tables: ReportTables(runId: "RUN-1"), trend: []))
        #expect(html.contains("<h1 id=\"headline\">Reconciled: no discrepancies</h1>"))
        #expect(html.contains("class=\"banner ok\""))
    }

    @Test func sameInputsSameBytes() throws {
        #expect(try render() == render())
    }
}
