import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO
import SabaSandbox

/// Options shared by `sandbox` and `demo`: what the look-alike Saba holds.
struct SandboxOptions: ParsableArguments {
    @Option(help: "Seed of the synthetic tickets: the same seed gives the same tickets.")
    var seed: UInt64 = 42

    @Option(help: "How many tickets the sandbox holds.")
    var tickets = 3000

    @Option(help: ArgumentHelp("Tickets are spread over this many days before now.", valueName: "days"))
    var spanDays = 40

    @Option(help: ArgumentHelp("Every Nth ticket gets a status Saba does not document (0 = never).", valueName: "n"))
    var unknownStatusEvery = 997

    @Option(help: ArgumentHelp("Every Nth GetBetDetails request answers 503 (0 = never).", valueName: "n"))
    var failEvery = 0

    @Option(help: ArgumentHelp("Every Nth GetBetDetails request answers 400 E009 access limit reached (0 = never).", valueName: "n"))
    var e009Every = 0

    @Option(help: ArgumentHelp("Every Nth GetBetDetails request drops the connection mid-body (0 = never).", valueName: "n"))
    var truncateEvery = 0

    @Option(help: ArgumentHelp("Delay before each GetBetDetails answer, in milliseconds.", valueName: "ms"))
    var delayMs = 0

    func book(now: Date) -> SandboxBook {
        // Whole minutes, so the same --now gives the same tickets.
        let end = Date(timeIntervalSince1970: floor(now.timeIntervalSince1970 / 60) * 60 - 300)
        return SandboxBook(seed: seed, count: tickets, spanStart: end.addingTimeInterval(-Double(spanDays) * 86_400), spanEnd: end,
                           unknownStatusEvery: unknownStatusEvery)
    }

    var faults: SandboxFaults {
        SandboxFaults(failEvery: failEvery, e009Every: e009Every, truncateEvery: truncateEvery, delayMilliseconds: delayMs)
    }
}

/// `saba-recon sandbox`: serve the Saba look-alike until interrupted.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve a Saba GetBetDetails look-alike with synthetic tickets and fault switches.",
        discussion: """
            Serves GET /betting/{version}/GetBetDetails and POST /login like Saba: a bare JSON array on success, Saba's error object otherwise, 30-day query and 180-day history limits, and a bearer token check. --token-file writes a token valid for an hour; --ledger writes a SQLite wallet ledger for the same tickets with one seeded mistake of each kind.

            Example:
              saba-recon sandbox --port 8099 --token-file /tmp/saba.jwt \\
                --ledger /tmp/ledger.sqlite &
              SABA_JWT=$(cat /tmp/saba.jwt) saba-recon run --from 2026-10-15 \\
                --to 2026-11-20 --api-url http://127.0.0.1:8099 \\
                --ledger sqlite:/tmp/ledger.sqlite
            """
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 = any free port).") var port = 8099
    @Option(help: ArgumentHelp("Write a bearer token for this sandbox to this file.", valueName: "path")) var tokenFile: String?
    @Option(help: ArgumentHelp("Write the matching wallet ledger (SQLite) to this file.", valueName: "path")) var ledger: String?
    @Option(help: ArgumentHelp("The sandbox's clock (ISO 8601); default: the system clock.", valueName: "time")) var now: String?
    @Option(help: "vendor_id accepted by POST /login.") var vendorId = "sandbox-vendor"
    @OptionGroup(title: "Data and faults") var data: SandboxOptions

    func run() async throws {
        var instant = Date()
        if let now {
            guard let fixed = UTCTime.parse(now) else { throw ParsingFailure("--now '\(now)' is not an ISO 8601 time") }
            instant = fixed
        }
        let fixedNow = instant
        let book = data.book(now: fixedNow)
        let tokens = SandboxToken()
        let server = SandboxServer(config: SandboxConfig(book: book, tokens: tokens, vendorId: vendorId, faults: data.faults,
                                                         now: { [fixedNow, now] in now == nil ? Date() : fixedNow }))
        if let ledger {
            let judged = TimeRange(start: book.spanStart, end: book.spanEnd.addingTimeInterval(1))
            let seeded = LedgerFixture(book: book).seededLedger(judged: judged, settledBefore: fixedNow.addingTimeInterval(-900))
            try SQLiteLedgerWriter.write(seeded.entries, to: ledger)
            FileHandle.standardOutput.write(Data("ledger: \(ledger) (\(seeded.entries.count) entries, \(seeded.seeded.count) seeded mistakes)\n".utf8))
        }
        if let tokenFile {
            let token = tokens.make(vendorId: vendorId, expiresAt: Date().addingTimeInterval(3600))
            guard FileManager.default.createFile(atPath: tokenFile, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ParsingFailure("cannot write the token file \(tokenFile)")
            }
            FileHandle.standardOutput.write(Data("token: \(tokenFile) (valid one hour)\n".utf8))
        }
        let bound = try await server.start(host: host, port: port)
        // Written straight to the descriptor: scripts wait for this line, and print() buffers when stdout is a file.
        FileHandle.standardOutput.write(Data("Saba sandbox listening on http://\(host):\(bound) with \(book.count) tickets \(UTCTime.iso(book.spanStart))..\(UTCTime.iso(book.spanEnd))\n".utf8))
        try await server.wait()
    }
}
