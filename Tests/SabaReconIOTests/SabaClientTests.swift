import Foundation
import TestSupport
import Synchronization
import Testing
import SabaReconCore
@testable import SabaReconIO
import SabaSandbox

final class TicketSink: Sendable {
    private let tickets = Mutex<[Ticket]>([])
    func add(_ t: Ticket) { tickets.withLock { $0.append(t) } }
    var all: [Ticket] { tickets.withLock { $0 } }
}

@Suite(.serialized) struct SabaClientTests {
    let window = FetchWindow(index: 0, start: SandboxHarness.now.addingTimeInterval(-10 * 86_400), end: SandboxHarness.now)

    @Test func fetchStreamsExactlyWhatTheSandboxServes() async throws {
        let h = try await SandboxHarness.start()
        defer { Task { await h.stop() } }
        let client = try h.client()
        let sink = TicketSink()
        let window = self.window
        let stats = try await blocking { try client.fetch(FetchCall(window: window, kind: .settled)) { sink.add($0) } }
        let expected = h.book.tickets(from: window.start, to: window.end, settled: true).map(\.ticket)
        #expect(expected.count > 50)
        #expect(stats.tickets == expected.count)
        #expect(stats.attempts == 1)
        #expect(sink.all == expected)
        await h.stop()
    }

    @Test func retriesOn503AndE009HonouringRetryAfterThenSucceeds() async throws {
        let h = try await SandboxHarness.start(faults: SandboxFaults(failEvery: 2, e009Every: 3, retryAfterSeconds: 2))
        let sleeps = Sleeps()
        let client = try h.client(sleeps: sleeps)
        let window = self.window
        // Requests 1 ok; 2 -> 503, 3 -> E009, 4 -> 503, 5 ok.
        _ = try await blocking { try client.fetch(FetchCall(window: window, kind: .unsettled)) { _ in } }
        let stats = try await blocking { try client.fetch(FetchCall(window: window, kind: .settled)) { _ in } }
        #expect(stats.attempts == 4)
        // Retry-After: 2 is a floor; by the third attempt the jittered backoff (2-4 s) may exceed it.
        #expect(sleeps.all.count == 3)
        #expect(Array(sleeps.all.prefix(2)) == [2, 2])
        #expect(sleeps.all.allSatisfy { $0 >= 2 && $0 <= 4 })
        #expect(h.server.requestCount == 5)
        await h.stop()
    }

    @Test func backoffGrowsWithoutRetryAfter() async throws {
        let h = try await SandboxHarness.start(faults: SandboxFaults(failEvery: 1))
        let sleeps = Sleeps()
        let client = try h.client(maxAttempts: 4, sleeps: sleeps)
        let window = self.window
        let error = await #expect(throws: SabaError.self) { try await blocking { try client.fetch(FetchCall(window: window, kind: .settled)) { _ in } } }
        #expect(error?.httpStatus == 503)
        #expect(error?.attempts == 4)
        let delays = sleeps.all
        #expect(delays.count == 3)
        // Exponential with jitter in [0.5, 1.0] of 1 s, 2 s, 4 s.
        for (k, d) in delays.enumerated() { #expect(d >= 0.5 * pow(2, Double(k)) && d <= pow(2, Double(k))) }
        await h.stop()
    }

    @Test func unauthorizedFailsAtOnceWithSabasCodeAndNoToken() async throws {
        let h = try await SandboxHarness.start()
        let forged = SandboxToken(secret: "wrong").make(vendorId: "x", expiresAt: Date().addingTimeInterval(600))
        let client = try h.client(token: forged)
        let window = self.window
        let error = await #expect(throws: SabaError.self) { try await blocking { try client.fetch(FetchCall(window: window, kind: .settled)) { _ in } } }
        #expect(error?.httpStatus == 401)
        #expect(error?.errorCode == "E002")
        #expect(error?.attempts == 1)
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("isSettled=true") && text.contains("window 2026-07-10T12:00:00Z..2026-07-20T12:00:00Z"))
        #expect(!text.contains(forged))
        #expect(h.server.requestCount == 0)
        await h.stop()
    }

    @Test func aWindowOverThirtyDaysIs400E003() async throws {
        let h = try await SandboxHarness.start()
        let client = try h.client()
        let wide = FetchWindow(index: 0, start: SandboxHarness.now.addingTimeInterval(-31 * 86_400), end: SandboxHarness.now)
        let error = await #expect(throws: SabaError.self) { try await blocking { try client.fetch(FetchCall(window: wide, kind: .unsettled)) { _ in } } }
        #expect(error?.httpStatus == 400)
        #expect(error?.errorCode == "E003")
        #expect(error?.attempts == 1)
        await h.stop()
    }

    @Test func aTruncatedBodyFailsNamingTheWindowAfterRetries() async throws {
        let h = try await SandboxHarness.start(faults: SandboxFaults(truncateEvery: 1))
        let client = try h.client(maxAttempts: 3)
        let window = self.window
        let error = await #expect(throws: SabaError.self) { try await blocking { try client.fetch(FetchCall(window: window, kind: .settled)) { _ in } } }
        #expect(error?.attempts == 3)
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("window 2026-07-10T12:00:00Z..2026-07-20T12:00:00Z") && text.contains("isSettled=true"))
        await h.stop()
    }

    @Test func anExpiredTokenStopsBeforeAnyRequest() async throws {
        let h = try await SandboxHarness.start()
        let client = try h.client(token: h.token(expiresIn: -60))
        let window = self.window
        let error = await #expect(throws: SabaError.self) { try await blocking { try client.fetch(FetchCall(window: window, kind: .settled)) { _ in } } }
        #expect(String(describing: error).contains("expired"))
        #expect(h.server.requestCount == 0)
        await h.stop()
    }

    @Test func loginIssuesAUsableToken() async throws {
        let h = try await SandboxHarness.start()
        let url = h.server.baseURL + "/login"
        let body: [UInt8] = try await blocking {
            var out: [UInt8] = []
            let head = try CurlTransport().perform(HTTPRequest(url: url, method: "POST", headers: [("Content-Type", "application/json")],
                                                                 body: Array(#"{"vendor_id":"sandbox-vendor","vendor_member_id":"ops"}"#.utf8)),
                                                     onHead: { _ in }, onBody: { out.append(contentsOf: $0) })
            #expect(head.status == 200)
            return out
        }
        let token = try #require(try JSONValue.parse(body)["access_token"]?.stringValue)
        #expect(h.tokens.verify(token, now: Date()) == .valid)
        await h.stop()
    }

    @Test func backoffIsNeverShorterThanTheJitteredExponentialNorThanRetryAfter() {
        let config = SabaClientConfig(apiURL: "https://x", baseBackoff: 1, maxBackoff: 60, maxRetryAfter: 300)
        // Retry-After: 0 does not turn into a hammering loop.
        #expect(config.retry.delay(after: 1, retryAfter: 0, jitter: 0.5) == 0.5)
        #expect(config.retry.delay(after: 3, retryAfter: 0, jitter: 1) == 4)
        #expect(config.retry.delay(after: 1, retryAfter: 30, jitter: 1) == 30)
        #expect(config.retry.delay(after: 1, retryAfter: 1e12, jitter: 1) == 300)
        #expect(config.retry.delay(after: 1_000, retryAfter: nil, jitter: 1) == 60)
        #expect(config.retry.delay(after: 2, retryAfter: -5, jitter: 1) == 2)
    }

    @Test func retryAfterAcceptsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_785_079_843)  // Sun, 26 Jul 2026 15:30:43 GMT
        #expect(RetryPolicy.retryAfter("7", now: now) == 7)
        #expect(RetryPolicy.retryAfter("Sun, 26 Jul 2026 15:31:43 GMT", now: now) == 60)
        #expect(RetryPolicy.retryAfter("soon", now: now) == nil)
        #expect(RetryPolicy.retryAfter("nan", now: now) == nil)
        #expect(RetryPolicy.retryAfter("-1", now: now) == nil)
        #expect(RetryPolicy.retryAfter("1e400", now: now) == nil)
        #expect(RetryPolicy.retryAfter("99999999999999999999", now: now) == 999_999_999)
        #expect(RetryPolicy.retryAfter(nil, now: now) == nil)
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let h = try await SandboxHarness.start()
        let port = h.server.port
        await h.stop()
        let sleeps = Sleeps()
        let client = SabaClient(config: SabaClientConfig(apiURL: "http://127.0.0.1:\(port)", maxAttempts: 2, connectTimeout: 2),
                                transport: CurlTransport(), tokens: try StaticTokenSource(token: h.token(), origin: "test"),
                                clock: SystemWallClock(), sleep: { sleeps.record($0) })
        let window = self.window
        let error = await #expect(throws: SabaError.self) { try await blocking { try client.fetch(FetchCall(window: window, kind: .unsettled)) { _ in } } }
        #expect(error?.attempts == 2)
        #expect(sleeps.all.count == 1)
    }

    /// SPEC 6: the whole body is redacted before it is cut, each JWT segment on its own, and
    /// control characters are escaped so a provider cannot forge a log line.
    @Test func anErrorBodyEchoingTheTokenOrForgingALineIsMadeSafe() throws {
        let token = SandboxToken().make(vendorId: "v", expiresAt: Date().addingTimeInterval(3600))
        let parts = token.split(separator: ".").map(String.init)
        let cases: [(Int, String)] = [
            // A non-JSON 401 that echoes the payload and signature past byte 130.
            (401, String(repeating: "x", count: 140) + " payload=" + parts[1] + " sig=" + parts[2]),
            // JSON whose message holds the whole token and whose errorCode a forged line.
            (400, #"{"statusCode":400,"errorCode":"E004\n2026-01-01T00:00:00.000Z critical saba-recon : FORGED","message":"bad token \#(token)"}"#),
        ]
        for (status, body) in cases {
            let client = SabaClient(config: SabaClientConfig(apiURL: "https://saba.test", maxAttempts: 1),
                                    transport: RecordingTransport { _ in (status, body) },
                                    tokens: try StaticTokenSource(token: token, origin: "test"), clock: SystemWallClock(), sleep: { _ in })
            let window = self.window
            let error = #expect(throws: SabaError.self) { try client.fetch(FetchCall(window: window, kind: .unsettled)) { _ in } }
            let text = String(describing: try #require(error))
            for part in parts where part.count >= 8 { #expect(!text.contains(part), "\(status): \(text)") }
            #expect(!text.contains("\n"), "\(status): \(text)")
            if status == 400 { #expect(text.contains("E004\\n2026-01-01")) }
        }
    }

    @Test func aPostgresLedgerOffThisMachineIsVerifiedByDefault() {
        #expect(PostgresSettings.defaultSSLMode(host: "ledger.db.example") == "verify-full")
        #expect(PostgresSettings.defaultSSLMode(host: "10.1.2.3") == "verify-full")
        #expect(PostgresSettings.defaultSSLMode(host: "127.0.0.1") == "prefer")
        #expect(PostgresSettings.defaultSSLMode(host: "localhost") == "prefer")
        #expect(PostgresSettings.defaultSSLMode(host: "::1") == "prefer")
    }

    @Test func plainHTTPIsRefusedByTheTransportOffThisMachine() {
        let request = HTTPRequest(url: "http://saba.example/betting/v1/GetBetDetails")
        let error = #expect(throws: TransportError.self) { try CurlTransport().perform(request, onHead: { _ in }, onBody: { _ in }) }
        #expect(error?.isRetryable == false)
        #expect(error?.message.contains("only https://") == true)
    }
}
