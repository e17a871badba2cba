import Foundation
import SabaReconCore

/// A GetBetDetails call that failed for good: which window, which call, what Saba said.
public struct SabaError: Error, Sendable, CustomStringConvertible {
    /// The call that failed (nil for a failure before any call, such as the token).
    public var call: FetchCall?
    public var httpStatus: Int?
    public var errorCode: String?
    public var message: String
    public var traceId: String?
    public var attempts: Int

    public init(call: FetchCall?, httpStatus: Int? = nil, errorCode: String? = nil,
                message: String, traceId: String? = nil, attempts: Int = 1) {
        self.call = call
        self.httpStatus = httpStatus
        self.errorCode = errorCode
        self.message = message
        self.traceId = traceId
        self.attempts = attempts
    }

    public var description: String {
        var parts: [String] = ["GetBetDetails"]
        if let call {
            parts.append("window \(UTCTime.iso(call.window.start))..\(UTCTime.iso(call.window.end))")
            parts.append("isSettled=\(call.kind.isSettled)")
        }
        var what: [String] = []
        if let httpStatus { what.append("HTTP \(httpStatus)") }
        if let errorCode { what.append(errorCode) }
        let head = parts.joined(separator: " ") + ":"
        let trace = traceId.map { " (traceId \($0))" } ?? ""
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        return ([head] + what + [message]).joined(separator: " ") + trace + tries
    }
}
