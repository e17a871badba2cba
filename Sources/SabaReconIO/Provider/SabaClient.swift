import Foundation
import Logging
import SabaReconCore

/// Settings of the GetBetDetails client.
public struct SabaClientConfig: Sendable {
    public var apiURL: String
    public var apiVersion: String
    public var language: String
    /// Sent as `X-Forwarded-For` when set (Saba asks for it behind a proxy).
    public var forwardedFor: String?
    /// Seconds east of UTC that Saba's `start`/`end` and ticket times are in.
    public var timeOffset: Int
    /// Attempts, backoff and `Retry-After` (`RetryPolicy`, shared with the login).
    public var retry: RetryPolicy
    public var maxAttempts: Int { retry.maxAttempts }
    public var connectTimeout: Int
    public var lowSpeedTime: Int
    /// One GetBetDetails call, connect to last byte (a busy 30-day window is hundreds of MB).
    public var totalTimeout: Int
    /// Body bytes one call may send.
    public var maxBytes: Int

    public init(apiURL: String, apiVersion: String = "v1", language: String = "en", forwardedFor: String? = nil,
                timeOffset: Int = 0, maxAttempts: Int = 5, baseBackoff: TimeInterval = 1, maxBackoff: TimeInterval = 60,
                maxRetryAfter: TimeInterval = 300, connectTimeout: Int = 15, lowSpeedTime: Int = 60,
                totalTimeout: Int = 3600, maxBytes: Int = 8 << 30) {
        self.totalTimeout = totalTimeout
        self.maxBytes = maxBytes
        self.apiURL = apiURL
        self.apiVersion = apiVersion
        self.language = language
        self.forwardedFor = forwardedFor
        self.timeOffset = timeOffset
        retry = RetryPolicy(maxAttempts: maxAttempts, baseBackoff: baseBackoff, maxBackoff: maxBackoff, maxRetryAfter: maxRetryAfter)
        self.connectTimeout = connectTimeout
        self.lowSpeedTime = lowSpeedTime
    }
}

/// What one GetBetDetails call moved.
public struct FetchStats: Sendable, Equatable, Codable {
    public var tickets: Int
    public var bytes: Int
    public var attempts: Int
    public var seconds: Double

    public init(tickets: Int = 0, bytes: Int = 0, attempts: Int = 0, seconds: Double = 0) {
        self.tickets = tickets
        self.bytes = bytes
        self.attempts = attempts
        self.seconds = seconds
    }
}

/// GetBetDetails over an `HTTPTransport`: streaming decode, retries with backoff and
/// jitter on transport errors, 429, 5xx and `E009`; 400/401/403 fail at once.
public struct SabaClient: Sendable {
    public var config: SabaClientConfig
    public var transport: any HTTPTransport
    public var tokens: any TokenSource
    public var clock: any WallClock
    /// Waits between attempts; tests pass one that only records.
    public var sleep: @Sendable (TimeInterval) -> Void
    public var logger: Logger
    /// Set when calls are made together (`fetch_concurrency` above 1): shared by every copy
    /// of this client, so they obey one pushback. Nil: each call waits its own backoff.
    public var gate: ProviderGate?

    public init(config: SabaClientConfig, transport: any HTTPTransport, tokens: any TokenSource, clock: any WallClock,
                sleep: @escaping @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) },
                logger: Logger = Logger(label: "saba-recon.saba")) {
        self.config = config
        self.transport = transport
        self.tokens = tokens
        self.clock = clock
        self.sleep = sleep
        self.logger = logger
    }

    /// The call's GetBetDetails URL: its window in Saba's zone and which call (`isSettled`).
    public func url(for call: FetchCall) -> String {
        let window = call.window
        var base = config.apiURL
        while base.hasSuffix("/") { base.removeLast() }
        let start = UTCTime.formatLocal(window.start, offset: config.timeOffset)
        let end = UTCTime.formatLocal(window.end, offset: config.timeOffset)
        func enc(_ s: String) -> String { s.replacingOccurrences(of: ":", with: "%3A") }
        return "\(base)/betting/\(config.apiVersion)/GetBetDetails?start=\(enc(start))&end=\(enc(end))&isSettled=\(call.kind.isSettled)&Language=\(config.language)"
    }

    enum Attempt {
        case done(FetchStats)
        case retry(after: TimeInterval?, reason: String, error: SabaError)
    }

    /// Fetches one call; `onTicket` sees every ticket of the body as it is decoded.
    /// `onAttempt` runs before each attempt (so a caller can discard a failed attempt's tickets);
    /// `stopWaiting` is asked while the call waits at the gate (it throws to give up).
    public func fetch(_ call: FetchCall, onAttempt: (Int) throws -> Void = { _ in }, stopWaiting: () throws -> Void = {},
                      onTicket: (Ticket) throws -> Void) throws -> FetchStats {
        let started = Date()
        var attempt = 0
        var loggedInAgain = false
        let gate = self.gate
        let number = gate?.enter()
        // However the call ends, a call waiting for its answer must not wait on.
        func answered() { if let gate, let number { gate.answered(number) } }
        defer { answered() }
        while true {
            attempt += 1
            // A pushback another call received holds this one too (a fixed clock in tests never moves: no wait).
            try gate?.waitTurn(call: number, clock: clock, sleep: sleep, stop: stopWaiting)
            try onAttempt(attempt)
            let outcome: Attempt
            let token: String
            do {
                token = try tokens.token(now: clock.now())
            } catch {
                throw SabaError(call: call, message: String(describing: error), attempts: attempt)
            }
            do {
                outcome = try once(call, token: token, attempt: attempt, answered: answered, onTicket: onTicket)
            } catch let error as SabaError where error.httpStatus == 401 && !loggedInAgain && attempt < config.maxAttempts {
                // A refused token (revoked, rotated) is worth one more try with a fresh one.
                guard tokens.invalidate(refused: token) else { throw error }
                loggedInAgain = true
                logger.notice("GetBetDetails \(call): HTTP 401\(error.errorCode.map { " \($0)" } ?? ""); trying once more with a new token from \(tokens.origin)")
                continue
            }
            switch outcome {
            case .done(var stats):
                stats.attempts = attempt
                stats.seconds = Date().timeIntervalSince(started)
                return stats
            case .retry(let retryAfter, let reason, var error):
                error.attempts = attempt
                guard config.retry.allowsRetry(after: attempt) else { throw error }
                let delay = config.retry.delay(after: attempt, retryAfter: retryAfter)
                logger.warning("GetBetDetails \(call): \(reason); retry \(attempt + 1)/\(config.maxAttempts) in \(String(format: "%.1f", delay)) s")
                if let gate, error.httpStatus != nil {
                    // The provider's own pushback (429, 5xx, E009): every call in flight waits it
                    // out, this one at the gate before its next attempt, which goes first.
                    gate.pushBack(until: clock.now().addingTimeInterval(delay), refused: number)
                } else {
                    answered()
                    sleep(delay)
                }
            }
        }
    }

    /// `answered` runs once the answer's head says 200: calls waiting for this one go on
    /// while its body comes.
    private func once(_ call: FetchCall, token: String, attempt: Int, answered: () -> Void, onTicket: (Ticket) throws -> Void) throws -> Attempt {
        var headers = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
        if let forwarded = config.forwardedFor { headers.append(("X-Forwarded-For", forwarded)) }
        let request = HTTPRequest(url: url(for: call), headers: headers,
                                  connectTimeout: config.connectTimeout, lowSpeedTime: config.lowSpeedTime,
                                  totalTimeout: config.totalTimeout, maxBytes: config.maxBytes)
        var decoder = TicketStreamDecoder(mapper: TicketMapper(timeOffset: config.timeOffset))
        var status = 0
        var errorBody: [UInt8] = []
        var bytes = 0
        let head: HTTPResponseHead
        do {
            head = try transport.perform(request, onHead: {
                status = $0.status
                if status == 200 { answered() }
            }, onBody: { chunk in
                bytes += chunk.count
                if status == 200 {
                    try decoder.feed(chunk, emit: onTicket)
                } else if errorBody.count < 65_536 {
                    errorBody.append(contentsOf: chunk.prefix(65_536 - errorBody.count))
                }
            })
        } catch let e as TransportError {
            let error = SabaError(call: call, message: "\(e.message) (after \(e.bytesReceived) body bytes)", attempts: attempt)
            guard e.isRetryable else { throw error }
            return .retry(after: nil, reason: e.message, error: error)
        } catch let e as TicketDecodingError {
            // A body that is not what Saba documents will not improve by asking again.
            throw SabaError(call: call, httpStatus: status, message: redact(e.description), attempts: attempt)
        }
        if head.status == 200 {
            do {
                try decoder.finish()
            } catch let e as TicketDecodingError {
                // The connection closed cleanly but the array is incomplete: a truncated body.
                let error = SabaError(call: call, httpStatus: 200, message: e.description, attempts: attempt)
                return .retry(after: nil, reason: e.description, error: error)
            }
            return .done(FetchStats(tickets: decoder.ticketCount, bytes: bytes))
        }
        let parsed = ProviderError(status: head.status, body: errorBody, redact: redact)
        let error = SabaError(call: call, httpStatus: head.status, errorCode: parsed.errorCode,
                              message: parsed.message, traceId: parsed.traceId, attempts: attempt)
        if RetryPolicy.isRetryable(status: head.status, errorCode: parsed.errorCode) {
            return .retry(after: RetryPolicy.retryAfter(head.headers["retry-after"], now: clock.now()),
                          reason: "HTTP \(head.status)\(parsed.errorCode.map { " \($0)" } ?? "")", error: error)
        }
        throw error
    }

    /// Secrets out, control characters escaped: provider text goes into one error line.
    private func redact(_ text: String) -> String {
        SecretText.escapeControls(tokens.redact(text))
    }
}

/// Saba's error object `{statusCode, errorCode, message, details, traceId}`.
struct ProviderError {
    var errorCode: String?
    var message: String
    var traceId: String?

    /// `redact` removes secrets and escapes control characters; it runs on the whole text
    /// before anything is cut, so no part of a secret survives past the cut.
    init(status: Int, body: [UInt8], redact: (String) -> String) {
        func cut(_ text: String, _ limit: Int) -> String { text.count > limit ? String(text.prefix(limit)) + "…" : text }
        if let value = try? JSONValue.parse(body), case .object = value {
            errorCode = value["errorCode"]?.stringValue.map { cut(redact($0), 64) }
            var text = value["message"]?.stringValue ?? "no message"
            if let details = value["details"]?.stringValue, !details.isEmpty { text += " (\(details))" }
            message = cut(redact(text), 500)
            traceId = value["traceId"]?.stringValue.map { cut(redact($0), 128) }
        } else {
            let snippet = cut(redact(String(decoding: body, as: UTF8.self)), 200)
            errorCode = nil
            message = snippet.isEmpty ? "empty error body" : "non-JSON error body: \(snippet)"
            traceId = nil
        }
    }
}
