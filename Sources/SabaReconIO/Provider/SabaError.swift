import Foundation
import SabaReconCore

/// A GetBetDetails call that failed for good: which window, which call, what Saba said.
public struct SabaError: Error, Sendable, CustomStringConvertible {
    public var window: FetchWindow?
    public var settled: Bool?
    public var httpStatus: Int?
    public var errorCode: String?
    public var message: String
    public var traceId: String?
    public var attempts: Int

    public init(window: FetchWindow?, settled: Bool?, httpStatus: Int? = nil, errorCode: String? = nil,
                message: String, traceId: String? = nil, attempts: Int = 1) {
        self.window = window
        self.settled = settled
        self.httpStatus = httpStatus
        self.errorCode = errorCode
        self.message = message
        self.traceId = traceId
        self.attempts = attempts
    }

    public var description: String {
        var parts: [String] = ["GetBetDetails"]
        if let window { parts.append("window \(UTCTime.iso(window.start))..\(UTCTime.iso(window.end))") }
        if let settled { parts.append("isSettled=\(settled)") }
        var what: [String] = []
        if let httpStatus { what.append("HTTP \(httpStatus)") }
        if let errorCode { what.append(errorCode) }
        let head = parts.joined(separator: " ") + ":"
        let trace = traceId.map { " (traceId \($0))" } ?? ""
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        return ([head] + what + [message]).joined(separator: " ") + trace + tries
    }
}
