import Foundation
import Testing
import TestSupport
@testable import SabaReconCore

@Suite struct ReportRendererTests {
    typealias F = Fixture

    func reconciliation() -> Reconciliation {
        let matcher = TicketMatcher(policy: F.policy())
        var r = Reconciliation()
        r.add(matcher.match(ticket: F.ticket("won", net: "85", id: "20", member: "=HYPERLINK(\"x\")"), entries: []))
        r.add(matcher.match(ticket: F.ticket("won", net: "85", id: "3"), entries: [F.entry("bet", "-100", id: "3")]))
        r.add(matcher.match(ticket: nil, entries: [F.entry("bet", "-1200", id: "100", member: "-m,7")]))
        return r.sorted()
    }

    @Test func discrepanciesCSVIsExactRFC4180WithTheFormulaGuard() {
        let csv = ReportRenderer(runId: "RUN").discrepanciesCSV(reconciliation())
        let expected = [
            "run_id,window_start,window_end,provider,kind,trans_id,member_id,currency,provider_status,provider_stake,provider_net,ledger_net,difference,detail",
            "RUN,2026-07-01T00:00:00Z,2026-07-21T00:00:00Z,saba,missing_at_provider,100,\"'-m,7\",USD,,,,-1200.00,-1200.00,ledger bet e-100-bet-0 at 2026-07-10T09:00:00Z has no ticket in any window of this run",
            "RUN,2026-07-01T00:00:00Z,2026-07-21T00:00:00Z,saba,missing_in_ledger,20,\"'=HYPERLINK(\"\"x\"\")\",USD,won,100.00,85.00,0.00,-85.00,no ledger entries for this ticket",
            "RUN,2026-07-01T00:00:00Z,2026-07-21T00:00:00Z,saba,payout_missing,3,m1,USD,won,100.00,85.00,-100.00,-185.00,won ticket owed a credit of 185.00; ledger has the bet only",
            "",
        ].joined(separator: "\r\n")
        #expect(csv.replacingOccurrences(of: #"e-100-bet-[0-9A-F-]+"#, with: "e-100-bet-0", options: .regularExpression) == expected)
    }

    @Test func numbersAreNeverGuardedButTextIs() {
        #expect(CSVWriter.render(.number("-12.50")) == "-12.50")
        #expect(CSVWriter.render(.text("-12.50")) == "'-12.50")
        #expect(CSVWriter.render(.text("@SUM(A1)")) == "'@SUM(A1)")
        #expect(CSVWriter.render(.text("+1")) == "'+1")
        #expect(CSVWriter.render(.text("\tx")) == "'\tx")
        #expect(CSVWriter.render(.text("\rx")) == "\"'\rx\"")
        // Swift reads CR LF as one Character; the guard must still see the CR.
        #expect(CSVWriter.render(.text("\r\n=1")) == "\"'\r\n=1\"")
        #expect(CSVWriter.render(.text("\r\n=1")) == "\"'\r\n=1\"")
        #expect(CSVWriter.render(.text("a\nb")) == "\"a\nb\"")
        #expect(CSVWriter.render(.text("plain")) == "plain")
    }

    @Test func rowsSortByWindowKindThenNumericTransId() {
        let rows = reconciliation().rows
        #expect(rows.map(\.kind.rawValue) == ["missing_at_provider", "missing_in_ledger", "payout_missing"])
        #expect(IdentifierOrder.less("9", "10"))
        #expect(!IdentifierOrder.less("10", "9"))
        #expect(IdentifierOrder.less("a", "b"))
    }

    @Test func byteOrderMarkIsOptional() {
        let r = reconciliation()
        #expect(ReportRenderer(runId: "R", byteOrderMark: true).discrepanciesCSV(r).hasPrefix("\u{FEFF}run_id,"))
        #expect(ReportRenderer(runId: "R").summaryCSV(r).hasPrefix("section,currency,kind,count,total_difference,"))
    }

    @Test func summaryCountsPerCurrencyAndKindWithControlTotals() {
        let summary = ReportRenderer(runId: "R").summaryCSV(reconciliation())
        let lines = summary.components(separatedBy: "\r\n")
        #expect(lines.contains("discrepancy,USD,payout_missing,1,-185.00,,,,,"))
        #expect(lines.contains("control,USD,,2,,200.00,1300.00,170.00,-1300.00,-1470.00"))
    }

    @Test func jsonKeepsMoneyAsExactStringsAndIsDeterministic() throws {
        let r = reconciliation()
        let a = try ReportRenderer(runId: "R").discrepanciesJSON(r)
        let b = try ReportRenderer(runId: "R").discrepanciesJSON(r)
        #expect(a == b)
        let value = try JSONValue.parse([UInt8](a))
        guard case .array(let rows)? = value["discrepancies"] else { Issue.record("no rows"); return }
        #expect(rows.count == 3)
        #expect(rows[2]["difference"] == .string("-185.00"))
        guard case .array(let ids)? = rows[2]["ledger_entry_ids"] else { Issue.record("no ledger_entry_ids"); return }
        #expect(ids.count == 1)
    }
}

@Suite struct CSVTableTests {
    @Test func readsWhatTheWriterWritesByHeaderName() throws {
        let result = ReportSample.reconciliation()
        let table = try CSVTable(parsing: ReportRenderer(runId: "RUN-1", byteOrderMark: true).discrepanciesCSV(result))
        #expect(table.header == ReportColumns.discrepancies.names())
        #expect(table.values("trans_id") == result.rows.map(\.transId))
        let details: [String] = result.rows.map { r in
            let guarded = r.detail.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false
            return guarded ? "'" + r.detail : r.detail
        }
        #expect(table.values("detail") == details)
    }

    @Test func quotedCellsCommasLineBreaksAndMarks() throws {
        // A combining mark after a quote or a comma is a scalar of its own: it never hides them.
        let text = "a,b,c\r\n\"x,\"\"y\"\"\",\"two\nlines\",\u{301}z\n\n1,,\"\u{301}\"\n"
        let table = try CSVTable(parsing: text)
        #expect(table.rows == [["x,\"y\"", "two\nlines", "\u{301}z"], ["1", "", "\u{301}"]])
        #expect(table.cell(table.rows[0], "b") == "two\nlines")
        #expect(table.cell(table.rows[0], "nope") == nil)
    }

    @Test func badFilesAreLocatedErrors() {
        #expect(throws: CSVTable.Invalid.self) { try CSVTable(parsing: "") }
        let open = #expect(throws: CSVTable.Invalid.self) { try CSVTable(parsing: "a,b\n1,\"2\n3\n") }
        #expect(open?.description == "line 2: a quoted cell is not closed")
        let after = #expect(throws: CSVTable.Invalid.self) { try CSVTable(parsing: "a,b\n1,2\n\"3\"x,4\n") }
        #expect(after?.description == "line 3: text after a closing quote")
        #expect(throws: CSVTable.Invalid.self) { try CSVTable(parsing: "a\n1\n2\n3\n", maxRows: 2) }
    }
}
