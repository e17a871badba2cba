import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO
import SabaSandbox

/// `saba-recon demo`: the whole job end to end on the embedded defaults.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole job against the built-in sandbox and a demo SQLite ledger.",
        discussion: """
            Starts the Saba sandbox in-process, writes a demo wallet ledger with one seeded mistake of each Saba discrepancy kind to WORK/ledger.sqlite, reconciles the last 35 days into OUT/<run-id>/ and prints what it found. Exits 0 when every seeded mistake was reported and nothing else was, 1 otherwise.
            """
    )

    @Option(help: ArgumentHelp("Report root.", valueName: "dir")) var out = "Reports"
    @Option(help: ArgumentHelp("Folder for the demo ledger and token.", valueName: "dir")) var work = "demo"
    @Option(help: ArgumentHelp("Fix the clock (ISO 8601) to repeat a demo exactly.", valueName: "time")) var now: String?
    @Flag(help: "Start the CSV files with a UTF-8 byte order mark, for Excel.") var csvBom = false
    @OptionGroup(title: "Sandbox data and faults") var data: SandboxOptions

    func run() async throws {
        var instant = Date()
        if let now {
            guard let fixed = UTCTime.parse(now) else { throw ParsingFailure("--now '\(now)' is not an ISO 8601 time") }
            instant = fixed
        }
        let fixedNow = instant
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
        print("sandbox: http://127.0.0.1:\(port) with \(book.count) tickets; ledger: \(ledgerPath); refund records: \(refundFolder) (\(seededAll.count) seeded mistakes)")
        // The demo logs in through the sandbox's POST /login, as a configured job would.
        let arguments = ["run", "--from", fromDay, "--to", toDay, "--api-url", "http://127.0.0.1:\(port)", "--vendor-member-id", "recon",
                         "--ledger", "sqlite:\(ledgerPath)", "--refunds", refundFolder, "--out", out, "--now", UTCTime.iso(fixedNow)] + (csvBom ? ["--csv-bom"] : [])
        let range2 = try RangeOptions.parse(["--from", fromDay, "--to", toDay, "--now", UTCTime.iso(fixedNow)])
        let job = try JobOptions.parse(["--api-url", "http://127.0.0.1:\(port)", "--vendor-member-id", "recon", "--ledger", "sqlite:\(ledgerPath)",
                                        "--out", out, "--refunds", refundFolder] + (csvBom ? ["--csv-bom"] : []))
        // Only the demo's own settings: no config file or SABA_RECON_* variable of this shell leaks in.
        let resolved = try job.resolve(command: "demo", environment: ["SABA_VENDOR_ID": "sandbox-vendor"], needsProvider: true)
        let status = try await Blocking.onOwnThread {
            try job.execute(resolved, start: try range2.fresh(), command: "demo", commandLine: ["saba-recon"] + arguments)
        }
        await server.stop()

        let reportPath = (out as NSString).appendingPathComponent("latest/discrepancies.csv")
        let csv = (try? String(contentsOfFile: reportPath, encoding: .utf8)) ?? ""
        var found: [String: Set<String>] = [:]
        for line in csv.split(separator: "\r\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            if cells.count > 5 { found[String(cells[4]), default: []].insert(String(cells[5]).replacingOccurrences(of: "\"", with: "")) }
        }
        print("\nseeded mistake                                   kind                          reported")
        var missed = 0
        for s in seededAll {
            let ok = found[s.kind.rawValue]?.contains(s.transId) ?? false
            if !ok { missed += 1 }
            print("\(s.what.padding(toLength: 48, withPad: " ", startingAt: 0)) \(s.kind.rawValue.padding(toLength: 29, withPad: " ", startingAt: 0)) \(ok ? "yes" : "NO")")
        }
        let expected = Set(seededAll.map { "\($0.kind.rawValue) \($0.transId)" })
        let extra = found.flatMap { kind, ids in ids.map { "\(kind) \($0)" } }.filter { !expected.contains($0) }.sorted()
        for e in extra { print("unexpected row: \(e)") }
        print("\nrun exit status \(status) (1 = discrepancies reported). Open \(reportPath) in a spreadsheet.")
        if missed > 0 || !extra.isEmpty {
            print("demo check FAILED: \(missed) seeded mistake(s) not reported, \(extra.count) unexpected row(s)")
            throw ExitCode(1)
        }
        print("demo check passed: all \(seededAll.count) seeded mistakes reported, nothing else.")
    }
}
