import Foundation
import SabaReconCore

/// Where the Saba JWT comes from. Implementations never log or echo the token.
public protocol TokenSource: Sendable {
    /// A token valid at `now`, or an error that says why there is none.
    func token(now: Date) throws -> String
    /// Drops `refused`, a token Saba refused (HTTP 401); true if asking again can give a
    /// different one. Calls in flight together may all be refused the same token: only the
    /// first drops it, the others find the new one already there.
    func invalidate(refused: String) -> Bool
    /// Removes any token this source handed out from text that might echo it.
    func redact(_ text: String) -> String
    /// Names the origin in messages (`SABA_JWT`, `--jwt-file /path`, `login`), never the token.
    var origin: String { get }
}

extension TokenSource {
    public func invalidate(refused: String) -> Bool { false }
}

public struct TokenError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A fixed token (from `SABA_JWT`; `FileTokenSource` wraps one per file content). Its `exp` is checked before every request: an expired
/// token stops the run before Saba sees it.
public struct StaticTokenSource: TokenSource {
    private let value: String
    private let claims: JWTClaims
    public let origin: String

    public init(token: String, origin: String) throws {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw TokenError("the Saba JWT from \(origin) is empty") }
        do {
            claims = try JWTClaims(token: trimmed)
        } catch {
            throw TokenError("the Saba JWT from \(origin) is not usable: \(error.description)")
        }
        value = trimmed
        self.origin = origin
    }

    public var expiresAt: Date? { claims.expiresAt }

    public func token(now: Date) throws -> String {
        if claims.isExpired(at: now), let exp = claims.expiresAt {
            throw TokenError("the Saba JWT from \(origin) expired at \(UTCTime.iso(exp)) (now \(UTCTime.iso(now))); renew it and run again")
        }
        return value
    }

    public func redact(_ text: String) -> String {
        SecretText.redact(text, secrets: [value])
    }
}
