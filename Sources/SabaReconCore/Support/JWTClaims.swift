import Foundation

/// Reads the `exp` claim of a JWT without verifying it (the provider verifies it; we
/// only need to know when to stop using it). The token text itself is never rendered.
public struct JWTClaims: Sendable, Equatable {
    public var expiresAt: Date?

    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { "the JWT is malformed: \(reason)" }
    }

    public init(expiresAt: Date?) {
        self.expiresAt = expiresAt
    }

    public init(token: String) throws(Malformed) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw Malformed(reason: "expected three dot-separated parts, found \(parts.count)") }
        guard let payload = Self.base64URLDecode(String(parts[1])) else { throw Malformed(reason: "the payload is not base64url") }
        let value: JSONValue
        do { value = try JSONValue.parse(payload) } catch { throw Malformed(reason: "the payload is not JSON") }
        guard case .object = value else { throw Malformed(reason: "the payload is not a JSON object") }
        switch value["exp"] {
        case .number(let n)?:
            guard let seconds = Money.parse(n) else { throw Malformed(reason: "exp is not a number") }
            expiresAt = Date(timeIntervalSince1970: seconds.seconds(perUnit: 1))
        case nil, .null?:
            expiresAt = nil
        default:
            throw Malformed(reason: "exp is not a number")
        }
    }

    public func isExpired(at now: Date, leeway: TimeInterval = 0) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= now.addingTimeInterval(leeway)
    }

    public static func base64URLDecode(_ text: String) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s.append("=") }
        guard let data = Data(base64Encoded: s) else { return nil }
        return [UInt8](data)
    }

    public static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
