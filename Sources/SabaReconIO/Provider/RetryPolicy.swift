import Foundation

/// When a failed provider request is tried again, and after how long: one policy for
/// GetBetDetails and POST /login, so the two cannot disagree about what Saba's pushback
/// means. A retry waits jittered exponential backoff, and never less than the server's
/// `Retry-After` (capped, so one answer cannot stall the night).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseBackoff: TimeInterval
    public var maxBackoff: TimeInterval
    public var maxRetryAfter: TimeInterval

    public init(maxAttempts: Int, baseBackoff: TimeInterval = 1, maxBackoff: TimeInterval = 60, maxRetryAfter: TimeInterval = 300) {
        self.maxAttempts = maxAttempts
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    /// A login is one small request made while a run waits: three attempts, 1-2 s and 2-4 s apart.
    public static let login = RetryPolicy(maxAttempts: 3, baseBackoff: 2, maxBackoff: 4, maxRetryAfter: 30)

    /// An answer worth another try: Saba's access limit (E009), 429, or a 5xx.
    public static func isRetryable(status: Int, errorCode: String?) -> Bool {
        errorCode == "E009" || status == 429 || status >= 500
    }

    /// An error worth another try: a transport failure libcurl calls transient, a dropped or
    /// restarting PostgreSQL (`StoreFailure`), or a `JobError` caused by one of them.
    public static func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case let job as JobError: job.isRetryable
        case let transport as TransportError: transport.isRetryable
        case let saba as SabaError: saba.httpStatus.map { isRetryable(status: $0, errorCode: saba.errorCode) } ?? false
        default: StoreFailure.isRetryable(error)
        }
    }

    /// Whether attempt `attempt` (1-based) may be followed by another.
    public func allowsRetry(after attempt: Int) -> Bool { attempt < maxAttempts }

    /// The wait before attempt `attempt + 1`: never less than jittered exponential backoff
    /// (a `Retry-After: 0` must not turn into a hammering loop), never less than the
    /// server's `Retry-After` (capped at `maxRetryAfter`).
    public func delay(after attempt: Int, retryAfter: TimeInterval?, jitter: Double = Double.random(in: 0.5...1.0)) -> TimeInterval {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let backoff = min(maxBackoff, baseBackoff * pow(2, exponent)) * jitter
        let server = retryAfter.map { min(max($0, 0), maxRetryAfter) } ?? 0
        return max(backoff, server)
    }

    /// `Retry-After` as whole seconds or as an HTTP date; nil for anything else.
    public static func retryAfter(_ value: String?, now: Date) -> TimeInterval? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Digits only (RFC 9110 delay-seconds); a huge number is simply long, capped by the caller.
            return Double(value.prefix(9)).map { value.count > 9 ? 999_999_999 : $0 }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
