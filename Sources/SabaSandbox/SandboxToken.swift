import Foundation
import SabaReconCore

/// JWT-shaped tokens the sandbox issues and checks: `header.payload.signature`, the
/// signature a SHA-256 over a secret and the first two parts. Enough for a look-alike;
/// the real Saba signs its own.
public struct SandboxToken: Sendable {
    public var secret: String

    public init(secret: String = "saba-sandbox-secret") {
        self.secret = secret
    }

    public func make(vendorId: String, memberId: String = "recon", expiresAt: Date) -> String {
        let header = JWTClaims.base64URLEncode(Array(#"{"alg":"HS256-sandbox","typ":"JWT"}"#.utf8))
        let payload = JWTClaims.base64URLEncode(Array("{\"vendor_id\":\(SandboxBook.jsonString(vendorId)),\"vendor_member_id\":\(SandboxBook.jsonString(memberId)),\"exp\":\(Int(expiresAt.timeIntervalSince1970))}".utf8))
        return "\(header).\(payload).\(signature(header + "." + payload))"
    }

    func signature(_ text: String) -> String {
        SHA256.hex(Array((secret + "|" + text).utf8))
    }

    public enum Verdict: Sendable, Equatable {
        case valid, invalid, expired
    }

    public func verify(_ token: String, now: Date) -> Verdict {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, signature(parts[0] + "." + parts[1]) == parts[2] else { return .invalid }
        guard let claims = try? JWTClaims(token: token) else { return .invalid }
        return claims.isExpired(at: now) ? .expired : .valid
    }
}
