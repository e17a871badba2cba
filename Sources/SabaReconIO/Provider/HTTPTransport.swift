import Foundation

public struct HTTPRequest: Sendable {
    public var url: String
    public var method: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Seconds to establish the connection.
    public var connectTimeout: Int
    /// The transfer fails when it moves fewer than `lowSpeedLimit` bytes/s for `lowSpeedTime` seconds.
    public var lowSpeedLimit: Int
    public var lowSpeedTime: Int
    /// The whole call, connect to last byte, in seconds: a body that never ends fails in bounded time.
    public var totalTimeout: Int
    /// Body bytes accepted; one more fails the call (the body is streamed, so this bounds time, not memory).
    public var maxBytes: Int

    public init(url: String, method: String = "GET", headers: [(String, String)] = [], body: [UInt8]? = nil,
                connectTimeout: Int = 15, lowSpeedLimit: Int = 1024, lowSpeedTime: Int = 60,
                totalTimeout: Int = 3600, maxBytes: Int = 8 << 30) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.lowSpeedLimit = lowSpeedLimit
        self.lowSpeedTime = lowSpeedTime
        self.totalTimeout = totalTimeout
        self.maxBytes = maxBytes
    }

    /// The limits in force, as an error message names them.
    public var limitsText: String {
        "limits: \(totalTimeout) s in all, at least \(lowSpeedLimit) bytes/s over \(lowSpeedTime) s, at most \(maxBytes) bytes"
    }
}

public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    /// Header names lower-cased; the last value wins.
    public var headers: [String: String]

    public init(status: Int, headers: [String: String] = [:]) {
        self.status = status
        self.headers = headers
    }
}

/// A failure below HTTP: connect, TLS, timeout, a connection that dropped mid-body.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    /// Whether trying again can help (a refused connection can; a bad certificate cannot).
    public var isRetryable: Bool
    /// Body bytes received before the failure.
    public var bytesReceived: Int

    public init(code: Int, message: String, isRetryable: Bool, bytesReceived: Int = 0) {
        self.code = code
        self.message = message
        self.isRetryable = isRetryable
        self.bytesReceived = bytesReceived
    }

    public var description: String { "transport error \(code): \(message) after \(bytesReceived) body bytes" }
}

/// One HTTP exchange with the body delivered in chunks as it arrives.
/// `onHead` runs once before any body; an error thrown by either callback aborts the
/// transfer and is rethrown as is.
public protocol HTTPTransport: Sendable {
    func perform(
        _ request: HTTPRequest,
        onHead: (HTTPResponseHead) throws -> Void,
        onBody: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> HTTPResponseHead
}
