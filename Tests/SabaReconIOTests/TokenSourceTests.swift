import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
import SabaReconCore
import SabaSandbox
@testable import SabaReconIO

@Suite(.serialized) struct TokenSourceTests {
    static let now = UTCTime.parse("2026-07-20T12:00:00Z")!

    @Test func loginGetsATokenReusesItAndLogsInAgainBeforeExp() async throws {
        let h = try await SandboxHarness.start(tickets: 120, vendorId: "vendor-secret-42", tokenLifetime: 600)
        let (server, book) = (h.server, h.book)
        let source = LoginTokenSource(apiURL: server.baseURL + "/", vendorId: "vendor-secret-42", vendorMemberId: "recon",
                                      refreshBefore: 300, transport: CurlTransport(), logger: Logger(label: "test"))
        let start = Date()
        let first = try await blocking { try source.token(now: start) }
        #expect(source.logins == 1)
        #expect(try JWTClaims(token: first).expiresAt != nil)
        // 100 s later the token still has 500 s: reused.
        #expect(try await blocking { try source.token(now: start.addingTimeInterval(100)) } == first)
        #expect(source.logins == 1)
        // 400 s later it has 200 s, under refresh_before: a new login.
        _ = try await blocking { try source.token(now: start.addingTimeInterval(400)) }
        #expect(source.logins == 2)
        #expect(source.redact("x \(first) vendor-secret-42 y") == "x [REDACTED] [REDACTED] y")

        // The logged-in token fetches a window.
        let client = SabaClient(config: SabaClientConfig(apiURL: server.baseURL), transport: CurlTransport(), tokens: source,
                                clock: SystemWallClock(), sleep: { _ in })
        let window = FetchWindow(index: 0, start: Self.now.addingTimeInterval(-6 * 86_400), end: Self.now)
        let stats = try await blocking { try client.fetch(FetchCall(window: window, kind: .settled)) { _ in } }
        #expect(stats.tickets == book.tickets(from: window.start, to: window.end, settled: true).count)
        await server.stop()
    }

    @Test func aRefusedLoginNamesStatusAndErrorCodeButNotTheVendorId() async throws {
        let server = try await SandboxHarness.start(vendorId: "vendor-secret-42").server
        let source = LoginTokenSource(apiURL: server.baseURL, vendorId: "wrong-vendor-secret", vendorMemberId: "recon",
                                      transport: CurlTransport(), logger: Logger(label: "test"))
        let error = await #expect(throws: TokenError.self) { try await blocking { try source.token(now: Date()) } }
        let text = error?.description ?? ""
        #expect(text.contains("HTTP 401 errorCode E002"), "\(text)")
        #expect(text.contains("/login"))
        #expect(!text.contains("wrong-vendor-secret"))
        await server.stop()
    }

    @Test func aTokenRefusedWithA401IsReplacedByAFreshLoginOnce() async throws {
        let tokens = SandboxToken()
        let t1 = tokens.make(vendorId: "v", expiresAt: Date().addingTimeInterval(3600))
        let t2 = tokens.make(vendorId: "v", memberId: "second", expiresAt: Date().addingTimeInterval(3600))
        let logins = LockedCounter()
        let transport = RecordingTransport { request in
            if request.url.hasSuffix("/login") {
                return (200, "{\"access_token\":\"\(logins.next() == 1 ? t1 : t2)\"}")
            }
            let auth = request.headers.first { $0.0 == "Authorization" }?.1 ?? ""
            return auth == "Bearer \(t1)" ? (401, #"{"errorCode":"E003","message":"token revoked"}"#) : (200, "[]")
        }
        let source = LoginTokenSource(apiURL: "https://saba.test", vendorId: "v", vendorMemberId: "recon", transport: transport, logger: Logger(label: "test"))
        let client = SabaClient(config: SabaClientConfig(apiURL: "https://saba.test"), transport: transport, tokens: source,
                                clock: SystemWallClock(), sleep: { _ in })
        let window = FetchWindow(index: 0, start: Self.now.addingTimeInterval(-86_400), end: Self.now)
        let stats = try client.fetch(FetchCall(window: window, kind: .unsettled)) { _ in }
        #expect(stats.attempts == 2)
        #expect(source.logins == 2)
        #expect(transport.requests.map { $0.url.hasSuffix("/login") } == [true, false, true, false])
        #expect(transport.requests[0].body == #"{"vendor_id":"v","vendor_member_id":"recon"}"#)
        // A second call refused the same old token (calls in flight together) keeps the new
        // one instead of logging in a third time.
        #expect(source.invalidate(refused: t1))
        #expect(try source.token(now: Date()) == t2 && source.logins == 2)
    }

    @Test func aLoginAnswered503IsTriedAgainButA401IsNot() throws {
        let token = SandboxToken().make(vendorId: "v", expiresAt: Date().addingTimeInterval(3600))
        let calls = LockedCounter()
        let flaky = RecordingTransport { _ in calls.next() < 3 ? (503, "busy") : (200, "{\"access_token\":\"\(token)\"}") }
        let source = LoginTokenSource(apiURL: "https://saba.test", vendorId: "v", vendorMemberId: "", transport: flaky,
                                      logger: Logger(label: "test"), retry: RetryPolicy(maxAttempts: 3, baseBackoff: 0, maxBackoff: 0))
        #expect(try source.token(now: Date()) == token)
        #expect(flaky.requests.count == 3)

        let refused = RecordingTransport { _ in (401, #"{"errorCode":"E002","message":"unknown vendor_id"}"#) }
        let failing = LoginTokenSource(apiURL: "https://saba.test", vendorId: "v", vendorMemberId: "", transport: refused,
                                       logger: Logger(label: "test"), retry: RetryPolicy(maxAttempts: 3, baseBackoff: 0, maxBackoff: 0))
        #expect(throws: TokenError.self) { try failing.token(now: Date()) }
        #expect(refused.requests.count == 1)
    }

    @Test func aTokenFileIsReadAgainWhenItChanges() throws {
        let path = TestTemp.url("jwt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokens = SandboxToken()
        let a = tokens.make(vendorId: "v", expiresAt: Date().addingTimeInterval(60))
        let b = tokens.make(vendorId: "v", expiresAt: Date().addingTimeInterval(7200))
        try Data((a + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let source = try FileTokenSource(path: path)
        #expect(try source.token(now: Date()) == a)
        // A renewal writes a new token: the next request uses it.
        try Data(b.utf8).write(to: URL(fileURLWithPath: path))
        #expect(try source.token(now: Date()) == b)
        #expect(source.redact("\(a) \(b)") == "[REDACTED] [REDACTED]")
        // An expired token says to write a new one to the file, without the token.
        let expired = tokens.make(vendorId: "v", expiresAt: Date().addingTimeInterval(-10))
        try Data(expired.utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: TokenError.self) { try source.token(now: Date()) }
        #expect(error?.description.contains("expired at") == true)
        #expect(error?.description.contains(expired) == false)
        #expect(source.invalidate(refused: expired) == false, "the file still holds the same refused token")
        #expect(source.invalidate(refused: a), "a token replaced since: the new one is worth a try")
    }
}

final class LockedCounter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
