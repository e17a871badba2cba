import Foundation
import SabaReconCore
import SabaReconIO
import SabaSandbox
import Synchronization
import Testing
import TestSupport

/// Answers GetBetDetails from a `SandboxBook` in-process (no server), counting calls; call
/// number `failAt` sends half its body and then drops the connection.
final class BookTransport: HTTPTransport {
    let book: SandboxBook
    let failAt: Int?
    private let calls = Mutex(0)

    init(book: SandboxBook, failAt: Int? = nil) {
        self.book = book
        self.failAt = failAt
    }

    var count: Int { calls.withLock { $0 } }

    func perform(_ request: HTTPRequest, onHead: (HTTPResponseHead) throws -> Void,
                 onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponseHead {
        let n = calls.withLock { $0 += 1; return $0 }
        let query = Dictionary(URLComponents(string: request.url)?.queryItems?.map { ($0.name, $0.value ?? "") } ?? []) { $1 }
        guard let start = query["start"].flatMap({ UTCTime.parse($0) }), let end = query["end"].flatMap({ UTCTime.parse($0) }) else {
            throw TransportError(code: -1, message: "test transport: no start/end in \(request.url)", isRetryable: false)
        }
        var body = "["
        for (k, entry) in book.tickets(from: start, to: end, settled: query["isSettled"] == "true").enumerated() {
            if k > 0 { body += "," }
            SandboxBook.json(entry, into: &body)
        }
        body += "]"
        let head = HTTPResponseHead(status: 200)
        try onHead(head)
        let bytes = Array(body.utf8)
        if n == failAt {
            try bytes[..<(bytes.count / 2)].withUnsafeBytes { try onBody($0) }
            throw TransportError(code: 56, message: "connection reset by the test", isRetryable: false, bytesReceived: bytes.count / 2)
        }
        try bytes.withUnsafeBytes { try onBody($0) }
        return head
    }
}

/// The job built from its parts: a book served in-process, a SQLite ledger and a run store in
/// a temporary folder, a fixed clock. No CLI, no server.
struct JobScene {
    static let now = UTCTime.parse("2026-07-20T12:00:00Z")!
    let root: URL
    let book: SandboxBook
    let ledgerPath: String
    let plan: WindowPlan
    let seeded: [LedgerFixture.Seeded]

    init() throws {
        root = TestTemp.url("job")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        book = SandboxBook(seed: 11, count: 600, spanStart: Self.now.addingTimeInterval(-40 * 86_400), spanEnd: Self.now.addingTimeInterval(-3600))
        // 40 days: two 30-day windows and the edge windows, so a failure can fall mid-run.
        plan = try WindowPlanner().plan(WindowPlanner.dayRange(from: "2026-06-10", to: "2026-07-20"), now: Self.now, clamp: false)
        let fixture = LedgerFixture(book: book).seededLedger(judged: plan.range, settledBefore: Self.now.addingTimeInterval(-900))
        seeded = fixture.seeded
        ledgerPath = root.appendingPathComponent("ledger.sqlite").path
        try SQLiteLedgerWriter.write(fixture.entries, to: ledgerPath)
    }

    var out: URL { root.appendingPathComponent("Reports") }

    func job(_ start: JobStart, transport: (any HTTPTransport)?) throws -> ReconcileJob {
        let client = try transport.map { t in
            SabaClient(config: SabaClientConfig(apiURL: "http://127.0.0.1:9", maxAttempts: 1), transport: t,
                       tokens: try StaticTokenSource(token: SandboxToken().make(vendorId: "v", expiresAt: Date().addingTimeInterval(3600)), origin: "test"),
                       clock: SystemWallClock(), sleep: { _ in })
        }
        return ReconcileJob(options: ReconcileOptions(outRoot: out, toolVersion: "test"), start: start, client: client,
                            ledger: try SQLiteLedgerSource(path: ledgerPath),
                            // The scene's own day, not the machine's: a resume checks Saba's 180-day
                            // history against this clock, and the real one passed the scene's range
                            // on 2026-12-07 (this test failed that night).
                            clock: FixedWallClock(Self.now.addingTimeInterval(3600)))
    }

    func reports(_ folder: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in ["discrepancies.csv", "summary.csv"] {
            // The run id is the only part that may differ between two runs over the same inputs.
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            out[name] = Data(text.replacingOccurrences(of: folder.lastPathComponent, with: "RUN").utf8)
        }
        return out
    }

    func record(_ folder: URL) throws -> RunRecord { try RunFolder.open(folder.lastPathComponent, in: out).record() }

    var latest: String? { try? FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("latest").path) }
}

@Suite struct JobCompositionTests {
    @Test func aFreshRunFindsEverySeededMistakeAndNothingElse() throws {
        let scene = try JobScene()
        let transport = BookTransport(book: scene.book)
        let result = try scene.job(.fresh(scene.plan, now: JobScene.now), transport: transport).run()
        #expect(transport.count == scene.plan.allWindows.count * 2)
        let found = Set(result.reconciliation.rows.map { "\($0.kind.rawValue) \($0.transId)" })
        let expected = Set(scene.seeded.map { "\($0.kind.rawValue) \($0.transId)" })
        #expect(found == expected)
        #expect(result.exitStatus == 1)
        #expect(scene.latest == result.runId)
        #expect(try scene.record(result.folder).finished)
    }

    @Test func aRunThatFailsMidWindowResumesToTheSameReportsFetchingOnlyWhatIsMissing() throws {
        let scene = try JobScene()
        let calls = scene.plan.allWindows.count * 2
        let reference = try scene.job(.fresh(scene.plan, now: JobScene.now), transport: BookTransport(book: scene.book)).run()

        // Call 3 breaks half-way through its body: the run fails, its half-staged call is rolled back.
        let failing = BookTransport(book: scene.book, failAt: 3)
        let error = try #require(throws: JobError.self) { try scene.job(.fresh(scene.plan, now: JobScene.now), transport: failing).run() }
        let failedFolder = URL(fileURLWithPath: try #require(error.runFolder))
        #expect(error.description.contains("connection reset by the test"))
        #expect(scene.latest == reference.runId)
        #expect(try !scene.record(failedFolder).finished)
        let manifest = try JSONValue.parse(String(contentsOf: failedFolder.appendingPathComponent("manifest.json"), encoding: .utf8))
        #expect(manifest["outcome"] == .string("failed"))
        #expect(manifest["windows"].flatMap { if case .array(let a) = $0 { a.count } else { nil } } == 2)

        let resuming = BookTransport(book: scene.book)
        let resumed = try scene.job(.resume(runId: failedFolder.lastPathComponent), transport: resuming).run()
        #expect(resumed.runId == failedFolder.lastPathComponent)
        #expect(resuming.count == calls - 2)
        #expect(try scene.reports(resumed.folder) == scene.reports(reference.folder))
        #expect(scene.latest == resumed.runId)
    }

    @Test func aRediffCallsNoProviderAndSeesTheLedgerAsItIsNow() throws {
        let scene = try JobScene()
        let first = try scene.job(.fresh(scene.plan, now: JobScene.now), transport: BookTransport(book: scene.book)).run()
        let missing = try #require(first.reconciliation.rows.first { $0.kind == .missingInLedger })
        // The wallet is fixed after the report: the ticket's movements are booked.
        let source = try SQLiteLedgerSource(path: scene.ledgerPath)
        var entries: [LedgerEntry] = []
        for provider in ["saba"] { try source.forEachEntry(provider: provider, since: .distantPast) { entries.append($0) } }
        let ticket = try #require(scene.book.tickets(from: .distantPast, to: .distantFuture, settled: true).first { $0.ticket.transId == missing.transId }
            ?? scene.book.tickets(from: .distantPast, to: .distantFuture, settled: false).first { $0.ticket.transId == missing.transId })
        entries += LedgerFixture(book: scene.book).entries(for: ticket.ticket)
        try SQLiteLedgerWriter.write(entries, to: scene.ledgerPath)

        let again = try scene.job(.rediff(runId: first.runId), transport: nil).run()
        #expect(again.runId != first.runId)
        #expect(!again.reconciliation.rows.contains { $0.transId == missing.transId })
        #expect(again.reconciliation.rows.count == first.reconciliation.rows.count - 1)
        let manifest = try JSONValue.parse(String(contentsOf: again.folder.appendingPathComponent("manifest.json"), encoding: .utf8))
        #expect(manifest["based_on"] == .string("rediff of \(first.runId)"))
        #expect(manifest["api_url"] == .string(""))
    }

    @Test func aFailureAfterTheReportsAreWrittenIsAFailedRunThatCanBeResumed() throws {
        let scene = try JobScene()
        // `latest` is a real folder: the reports are written, but publishing them fails.
        try FileManager.default.createDirectory(at: scene.out.appendingPathComponent("latest"), withIntermediateDirectories: true)
        let transport = BookTransport(book: scene.book)
        let error = try #require(throws: JobError.self) { try scene.job(.fresh(scene.plan, now: JobScene.now), transport: transport).run() }
        let folder = URL(fileURLWithPath: try #require(error.runFolder))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("discrepancies.csv").path))
        let manifest = try JSONValue.parse(String(contentsOf: folder.appendingPathComponent("manifest.json"), encoding: .utf8))
        #expect(manifest["outcome"] == .string("failed"))
        #expect(manifest["exit_status"] == .number("2"))
        #expect(try !scene.record(folder).finished)

        // Once the operator moves the folder away, the same run completes without refetching.
        try FileManager.default.removeItem(at: scene.out.appendingPathComponent("latest"))
        let resuming = BookTransport(book: scene.book)
        let resumed = try scene.job(.resume(runId: folder.lastPathComponent), transport: resuming).run()
        #expect(resuming.count == 0)
        #expect(resumed.exitStatus == 1)
        #expect(scene.latest == folder.lastPathComponent)
        #expect(try scene.record(folder).finished)
    }
}
