import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO
import SabaSandbox

/// `saba-sandbox demo`: the whole job end to end, the real `saba-recon` binary against the sandbox.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run saba-recon end to end against the sandbox and a demo SQLite ledger.",
        discussion: """
            Starts the Saba sandbox in-process, writes a demo wallet ledger with one seeded mistake of each Saba discrepancy kind to WORK/ledger.sqlite and refund records to WORK/refunds/, then runs `saba-recon run` (the binary beside this one, or --saba-recon PATH) over the last 35 days into OUT/<run-id>/, logging in as SABA_VENDOR_ID=sandbox-vendor, and prints what it found. Then a second night (SPEC 9, unless --no-second-night): it acknowledges one net_mismatch with `saba-recon breaks ack`, pays one missing payout in the ledger, runs the next night and prints the break statuses it expected beside the ones reported. Exits 0 when every seeded mistake was reported, nothing else was and the statuses are as expected, 1 otherwise, 2 when saba-recon could not run or failed.
            """
    )

    @Option(help: ArgumentHelp("Report root.", valueName: "dir")) var out = "Reports"
    @Option(help: ArgumentHelp("Folder for the demo ledger and refund records.", valueName: "dir")) var work = "demo"
    @Option(help: ArgumentHelp("Fix the clock (ISO 8601) to repeat a demo exactly.", valueName: "time")) var now: String?
    @Flag(help: "Start the CSV files with a UTF-8 byte order mark, for Excel.") var csvBom = false
    @Option(help: ArgumentHelp("The saba-recon executable to run (default: the one beside saba-sandbox).", valueName: "path"))
    var sabaRecon: String?
    @Flag(help: "Stop after the first night (no acknowledgement, ledger fix and second night).") var noSecondNight = false
    @OptionGroup(title: "Sandbox data and faults") var data: SandboxOptions

    func run() async throws {
        // Found before anything is written: a missing binary is a setup error, not a failed check.
        let recon = try ReconBinary.locate(sabaRecon)
        let fixedNow = try SandboxOptions.clock(now) ?? Date()
        let book = data.book(now: fixedNow)
        let tokens = SandboxToken()
        let server = SandboxServer(config: SandboxConfig(book: book, tokens: tokens, faults: data.faults, now: { fixedNow }))
        let port = try await server.start()
        defer { Task { await server.stop() } }

        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let ledgerPath = (work as NSString).appendingPathComponent("ledger.sqlite")
        let fromDay = UTCTime.day(fixedNow.addingTimeInterval(-35 * 86_400))
        let toDay = UTCTime.day(fixedNow)
        let range = try WindowPlanner.dayRange(from: fromDay, to: toDay)
        let fixture = LedgerFixture(book: book).seededLedger(judged: range, settledBefore: fixedNow.addingTimeInterval(-900))
        let refunds = RefundFixture(base: fixedNow.addingTimeInterval(-2 * 86_400)).make()
        let refundFolder = (work as NSString).appendingPathComponent("refunds")
        try RefundFiles.write(refunds, to: refundFolder)
        try SQLiteLedgerWriter.write(fixture.entries + refunds.ledger, to: ledgerPath)
        let seededAll = fixture.seeded + refunds.seeded.map { s in
            // Malformed rows are keyed by file:line, with the folder the run was given.
            var copy = s
            if s.kind == .malformedRecord { copy.transId = (refundFolder as NSString).appendingPathComponent(s.transId) }
            return copy
        }
        let cleanAll = fixture.clean + refunds.clean
        print("sandbox: http://127.0.0.1:\(port) with \(book.count) tickets; ledger: \(ledgerPath); refund records: \(refundFolder) (\(seededAll.count) seeded mistakes, \(cleanAll.count) correct bookings a careless rule would flag)")
        // The run logs in through the sandbox's POST /login, as a configured job would.
        let arguments = ["run", "--from", fromDay, "--to", toDay, "--api-url", "http://127.0.0.1:\(port)", "--vendor-member-id", "recon",
                         "--ledger", "sqlite:\(ledgerPath)", "--refunds", refundFolder, "--out", out, "--now", UTCTime.iso(fixedNow)]
            + (csvBom ? ["--csv-bom"] : [])
        print("running: \(recon.url.path) \(arguments.joined(separator: " "))")
        let environment = ReconBinary.environment(["SABA_VENDOR_ID": "sandbox-vendor"])
        let status = try await recon.run(arguments, environment: environment)
        // A failed run leaves `latest` on an earlier run: checking it would judge stale reports.
        guard status == 0 || status == 1 else {
            throw CommandFailure("saba-recon run ended with exit status \(status) (its error is above); there is no report to check")
        }

        let reportPath = (out as NSString).appendingPathComponent("latest/discrepancies.csv")
        let report: CSVTable
        do {
            report = try CSVTable(parsing: String(contentsOfFile: reportPath, encoding: .utf8))
        } catch {
            throw CommandFailure("cannot read \(reportPath): \(error)")
        }
        var found: [String: Set<String>] = [:]
        for row in report.rows {
            if let kind = report.cell(row, "kind"), let id = report.cell(row, "trans_id") { found[kind, default: []].insert(id) }
        }
        print("\nseeded mistake                                   kind                          reported")
        var missed = 0
        for s in seededAll {
            let ok = found[s.kind.rawValue]?.contains(s.transId) ?? false
            if !ok { missed += 1 }
            print("\(s.what.padding(toLength: 48, withPad: " ", startingAt: 0)) \(s.kind.rawValue.padding(toLength: 29, withPad: " ", startingAt: 0)) \(ok ? "yes" : "NO")")
        }
        print("\n\("correct booking (no row expected)".padding(toLength: 48, withPad: " ", startingAt: 0)) \("provider".padding(toLength: 29, withPad: " ", startingAt: 0)) reported")
        let reportedIds = Set(found.values.flatMap { $0 })
        for c in cleanAll {
            let flagged = reportedIds.contains(c.transId)
            if flagged { missed += 1 }
            print("\(c.what.padding(toLength: 48, withPad: " ", startingAt: 0)) \(c.provider.padding(toLength: 29, withPad: " ", startingAt: 0)) \(flagged ? "FLAGGED" : "no")")
        }
        let expected = Set(seededAll.map { "\($0.kind.rawValue) \($0.transId)" })
        let extra = found.flatMap { kind, ids in ids.map { "\(kind) \($0)" } }.filter { !expected.contains($0) }.sorted()
        for e in extra { print("unexpected row: \(e)") }
        let folder = URL(fileURLWithPath: reportPath).deletingLastPathComponent().path
        print("\nrun exit status \(status) (1 = discrepancies reported). Open \(folder)/discrepancies.xlsx in a spreadsheet and \(folder)/report.html in a browser.")
        if missed > 0 || !extra.isEmpty {
            await server.stop()
            print("demo check FAILED: \(missed) seeded mistake(s) not reported or correct booking(s) flagged, \(extra.count) unexpected row(s)")
            throw ExitCode(1)
        }
        print("demo check passed: all \(seededAll.count) seeded mistakes reported, nothing else (\(cleanAll.count) correct bookings left alone).")
        guard !noSecondNight else { return }
        let wrong = try await secondNight(Night(recon: recon, arguments: arguments, environment: environment, ledgerPath: ledgerPath,
                                                entries: fixture.entries + refunds.ledger, now: fixedNow))
        await server.stop()
        if wrong > 0 {
            print("break book check FAILED: \(wrong) status(es) not as expected")
            throw ExitCode(1)
        }
        print("break book check passed: acknowledged, resolved and open as expected.")
    }
}
