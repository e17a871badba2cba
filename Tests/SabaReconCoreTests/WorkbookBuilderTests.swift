import Foundation
import Testing
import TestSupport
@testable import SabaReconCore

@Suite struct WorkbookBuilderTests {
    func book(limit: Int = WorkbookBuilder.sheetRowLimit) -> Workbook {
        let result = ReportSample.reconciliation()
        let tables = ReportTables(runId: "RUN-1")
        return WorkbookBuilder(context: ReportSample.context(), sheetRowLimit: limit).build(
            discrepancies: tables.discrepancies(result), summary: tables.summary(result), daily: tables.daily(result), pending: tables.pending(result))
    }

    @Test func sheetsAreTheCSVFilesInOrder() {
        let b = book()
        #expect(b.sheets.map(\.name) == ["Discrepancies", "Summary", "Daily", "Pending"])
        #expect(b.sheets[0].columns.map(\.title) == ReportColumns.discrepancies.names().map { $0.hasPrefix("window_") ? "\($0) (UTC)" : $0 })
        #expect(b.sheets[3].columns.map(\.title) == ["provider", "trans_id", "currency", "since (UTC)"])
        // An empty sheet still has its header, frozen with a filter.
        #expect(b.sheets[3].rows.isEmpty && b.sheets[3].headerRow == 0)
    }

    @Test func idsStayTextMoneyIsANumberWithItsCurrencysDecimals() {
        let rows = book().sheets[0].rows
        let transIds = rows.map { $0[5] }
        #expect(transIds.contains(.text("12345678901234567890")))
        #expect(transIds.contains(.text("0012")))
        #expect(transIds.contains(.text("300000002121")))
        guard let usd = rows.first(where: { $0[7] == .text("USD") }), let jpy = rows.first(where: { $0[7] == .text("JPY") }),
              let usdt = rows.first(where: { $0[7] == .text("USDT") }) else {
            Issue.record("sample rows missing")
            return
        }
        #expect(usd[11] == .number(84.5, decimals: 2))
        #expect(usd[12] == .number(-0.5, decimals: 2))
        #expect(jpy[9] == .number(1200, decimals: 0))
        // USDT's 2 decimals widened to 4: a format never hides a digit that is there.
        #expect(usdt[9] == .number(10.1234, decimals: 4))
        #expect(usdt[11] == .number(-10.12, decimals: 4))
        #expect(usd[1] == .dateTime(ReportSample.window.start))
        #expect(usd[0] == .text("RUN-1"))
    }

    @Test func anAmountADoubleCannotHoldExactlyStaysText() {
        let builder = WorkbookBuilder(context: ReportSample.context())
        #expect(builder.cell(.money(ReportSample.money("123456789012345.6"), currency: "USD"), decimals: ["USD": 2]) == .text("123456789012345.60"))
        #expect(builder.cell(.money(ReportSample.money("1234567890123.45"), currency: "USD"), decimals: ["USD": 2]) == .number(1234567890123.45, decimals: 2))
    }

    @Test func summaryCarriesTheRunsHeaderBlockAndTheCSVRows() {
        let b = book()
        let summary = b.sheets[1]
        #expect(summary.preamble.first == .init(name: "Run", value: "RUN-1"))
        #expect(summary.preamble.contains(.init(name: "Outcome", value: "discrepancies")))
        #expect(summary.preamble.contains(.init(name: "Exit status", value: "1")))
        #expect(summary.headerRow == summary.preamble.count + 1)
        #expect(summary.rows.count == ReportTables.summaryRows(ReportSample.reconciliation()).count)
        #expect(b.properties.created == ReportSample.now)
        #expect(b.properties.custom.contains(.init(name: "run_id", value: "RUN-1")))
    }

    @Test func widthsFitTheContentWithinBounds() {
        let cols = book().sheets[0].columns
        #expect(cols[5].width == "12345678901234567890".count + 2)
        #expect(cols.allSatisfy { $0.width >= 8 && $0.width <= 60 })
    }

    @Test func moreRowsThanASheetHoldsAreCutWithANote() {
        let b = book(limit: 3)
        #expect(b.sheets[0].rows.count == 1)
        #expect(b.sheets[0].truncated == "2 more rows than a sheet holds: all 3 are in discrepancies.csv")
        #expect(book().sheets[0].truncated == nil)
    }

    @Test func summaryCSVIsRenderedFromTheSameRows() {
        let csv = ReportRenderer(runId: "RUN-1").summaryCSV(ReportSample.reconciliation())
        #expect(csv.contains("discrepancy,JPY,refund_not_applied,1,-1200.00,,,,,\r\n"))
        #expect(csv.contains("discrepancy,USD,net_mismatch,1,-0.50,,,,,\r\n"))
    }
}

@Suite struct ReportNotesTests {
    @Test func theNotesNameFilesThatExist() {
        var result = Reconciliation()
        result.add(rows: [Discrepancy](repeating: ReportSample.reconciliation().rows[0], count: HTMLReport.tableRowLimit + 1))
        let page = HTMLReport(context: ReportSample.context(), result: result, tables: ReportTables(runId: "RUN-1"), trend: [], workbook: false)
        #expect(page.shownNote == "The first 2000 of 2001 discrepancies; all are in discrepancies.csv.")
        #expect(WorkbookBuilder.fullFile["Pending"] == "discrepancies.json")
        let trend = HTMLReport(context: ReportSample.context(), result: Reconciliation(), tables: ReportTables(runId: "RUN-1"),
                               trend: [RunTrendPoint(runId: "R0", now: ReportSample.now.addingTimeInterval(-86_400), outcome: .discrepancies, discrepancies: 2,
                                                     moneyAtStake: ["": .zero, "USD": ReportSample.money("1")])])
        #expect(trend.trend.table.rows[1].cells[4].text == "0.00 (none), 1.00 USD")
    }
}
