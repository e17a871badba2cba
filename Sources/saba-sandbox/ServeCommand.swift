import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO
import SabaSandbox

/// `saba-sandbox serve`: serve the Saba look-alike until interrupted.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a Saba GetBetDetails look-alike with synthetic tickets and fault switches.",
        discussion: """
            Serves GET /betting/{version}/GetBetDetails and POST /login like Saba: a bare JSON array on success, Saba's error object otherwise, 30-day query and 180-day history limits, and a bearer token check. --token-file writes a token valid for an hour; --ledger writes a SQLite wallet ledger (table `ledger`) for the same tickets with one seeded mistake of each kind.

            Example:
              saba-sandbox serve --port 8099 --token-file /tmp/saba.jwt \\
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
    @Flag(help: ArgumentHelp(
        "Render each distinct GetBetDetails body once and serve it from memory afterwards, so a benchmark measures the client (faults still apply; memory grows by the bodies served, about 1.3 KB a ticket)."))
    var cacheBodies = false
    @OptionGroup(title: "Data and faults") var data: SandboxOptions

    func run() async throws {
        let fixed = try SandboxOptions.clock(now)
        let instant = fixed ?? Date()
        let book = data.book(now: instant)
        let tokens = SandboxToken()
        let server = SandboxServer(config: SandboxConfig(book: book, tokens: tokens, vendorId: vendorId, faults: data.faults,
                                                         now: { fixed ?? Date() }, cacheBodies: cacheBodies))
        if let ledger {
            let judged = TimeRange(start: book.spanStart, end: book.spanEnd.addingTimeInterval(1))
            let seeded = LedgerFixture(book: book).seededLedger(judged: judged, settledBefore: instant.addingTimeInterval(-900))
            try SQLiteLedgerWriter.write(seeded.entries, to: ledger)
            FileHandle.standardOutput.write(Data("ledger: \(ledger) (\(seeded.entries.count) entries, \(seeded.seeded.count) seeded mistakes)\n".utf8))
        }
        if let tokenFile {
            let token = tokens.make(vendorId: vendorId, expiresAt: Date().addingTimeInterval(3600))
            guard FileManager.default.createFile(atPath: tokenFile, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure("cannot write the token file \(tokenFile)")
            }
            FileHandle.standardOutput.write(Data("token: \(tokenFile) (valid one hour)\n".utf8))
        }
        let bound = try await server.start(host: host, port: port)
        // Written straight to the descriptor: scripts wait for this line, and print() buffers when stdout is a file.
        FileHandle.standardOutput.write(Data("Saba sandbox listening on http://\(host):\(bound) with \(book.count) tickets \(UTCTime.iso(book.spanStart))..\(UTCTime.iso(book.spanEnd))\(cacheBodies ? " (bodies cached)" : "")\n".utf8))
        try await server.wait()
    }
}
