import Foundation
import Logging
import SabaReconCore
import Synchronization

/// Logs in with Saba's `POST {api-url}/login` (`{"vendor_id", "vendor_member_id"}` ->
/// `access_token`) and logs in again when the token is within `refreshBefore` of its `exp`,
/// so a six-month run outlives any one token. The vendor_id and tokens never reach a message.
public final class LoginTokenSource: TokenSource {
    struct State {
        var token: String?
        var expiresAt: Date?
        var seen: [String] = []
        var logins = 0
    }

    public let loginURL: String
    public let refreshBefore: TimeInterval
    public var origin: String { "login (\(shownURL))" }
    private var shownURL: String { CommandLineRedactor.redactURLPassword(loginURL) }
    private let vendorId: String
    private let vendorMemberId: String
    private let transport: any HTTPTransport
    private let logger: Logger
    /// Attempts and waits after a connection failure, a 5xx, 429 or E009.
    private let retry: RetryPolicy
    private let state = Mutex(State())

    public init(apiURL: String, vendorId: String, vendorMemberId: String, refreshBefore: TimeInterval = 300,
                transport: any HTTPTransport, logger: Logger, retry: RetryPolicy = .login) {
        var base = apiURL
        while base.hasSuffix("/") { base.removeLast() }
        loginURL = base + "/login"
        self.vendorId = vendorId
        self.vendorMemberId = vendorMemberId
        self.refreshBefore = refreshBefore
        self.transport = transport
        self.logger = logger
        self.retry = retry
    }

    /// How many logins this source made.
    public var logins: Int { state.withLock { $0.logins } }

    public func token(now: Date) throws -> String {
        try state.withLock { state in
            if let token = state.token, let exp = state.expiresAt, exp.timeIntervalSince(now) > refreshBefore {
                return token
            }
            if let token = state.token, state.expiresAt == nil { return token }
            let (token, exp) = try login(now: now)
            state.token = token
            state.expiresAt = exp
            state.seen.append(token)
            state.logins += 1
            logger.info("Saba login: new token\(exp.map { " valid until \(UTCTime.iso($0))" } ?? " without exp")")
            return token
        }
    }

    public func invalidate(refused: String) -> Bool {
        state.withLock { state in
            // Another call already replaced the refused token: use the new one.
            if let current = state.token, current != refused { return true }
            // One fresh login per refusal; a token that was just issued and refused will not improve.
            let hadToken = state.token != nil
            state.token = nil
            state.expiresAt = nil
            return hadToken
        }
    }

    public func redact(_ text: String) -> String {
        let secrets = state.withLock { $0.seen } + [vendorId]
        return SecretText.redact(text, secrets: Array(secrets))
    }

    /// Called under the state lock, so it must not take it (redact does).
    private func hideVendor(_ text: String) -> String {
        vendorId.isEmpty ? text : text.replacingOccurrences(of: vendorId, with: "[REDACTED]")
    }

    /// Runs under the state lock: one login at a time. A refused login fails at once; a
    /// connection failure or pushback is tried again as `retry` says.
    private func login(now: Date) throws -> (String, Date?) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try loginOnce(now: now)
            } catch let failure as LoginFailure {
                guard failure.retryable, retry.allowsRetry(after: attempt) else { throw failure.error }
                let delay = retry.delay(after: attempt, retryAfter: failure.retryAfter)
                logger.warning("Saba login: \(failure.error.message); trying again in \(String(format: "%.1f", delay)) s")
                Thread.sleep(forTimeInterval: delay)
            }
        }
    }

    struct LoginFailure: Error {
        var error: TokenError
        var retryable: Bool
        var retryAfter: TimeInterval? = nil
    }

    private func loginOnce(now: Date) throws -> (String, Date?) {
        let body = "{\"vendor_id\":\(JSONValue.quote(vendorId)),\"vendor_member_id\":\(JSONValue.quote(vendorMemberId))}"
        let request = HTTPRequest(url: loginURL, method: "POST",
                                  headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                                  body: Array(body.utf8), connectTimeout: 15, lowSpeedTime: 30, totalTimeout: 60, maxBytes: 1 << 20)
        var received: [UInt8] = []
        let head: HTTPResponseHead
        do {
            head = try transport.perform(request, onHead: { _ in }, onBody: { chunk in
                if received.count < 65_536 { received.append(contentsOf: chunk.prefix(65_536 - received.count)) }
            })
        } catch let error as TransportError {
            throw LoginFailure(error: TokenError("Saba login at \(shownURL) failed: \(error.message)"), retryable: error.isRetryable)
        }
        guard head.status == 200 else {
            let parsed = ProviderError(status: head.status, body: received, redact: { SecretText.escapeControls(hideVendor($0)) })
            let error = TokenError("Saba login at \(shownURL) answered HTTP \(head.status)\(parsed.errorCode.map { " errorCode \($0)" } ?? ""): \(parsed.message)")
            throw LoginFailure(error: error, retryable: RetryPolicy.isRetryable(status: head.status, errorCode: parsed.errorCode),
                               retryAfter: RetryPolicy.retryAfter(head.headers["retry-after"], now: now))
        }
        guard let value = try? JSONValue.parse(received), let token = value["access_token"]?.stringValue, !token.isEmpty else {
            throw TokenError("Saba login at \(shownURL) answered 200 without an access_token")
        }
        let claims: JWTClaims
        do {
            claims = try JWTClaims(token: token)
        } catch {
            throw TokenError("Saba login at \(shownURL) returned a token that is not a JWT: \(error.description)")
        }
        // Without exp in the token, expires_in (seconds) tells when to log in again.
        var exp = claims.expiresAt
        if exp == nil, case .number(let n)? = value["expires_in"], let seconds = Double(n) {
            exp = now.addingTimeInterval(seconds)
        }
        if let exp, exp.timeIntervalSince(now) <= 0 {
            throw TokenError("Saba login at \(shownURL) returned a token that expired at \(UTCTime.iso(exp)) (now \(UTCTime.iso(now))); check this machine's clock")
        }
        return (token, exp)
    }
}
