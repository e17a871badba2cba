import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Logging
import NIOCore
import SabaReconCore
import Synchronization

/// Fault switches: make the sandbox misbehave the way a provider does.
public struct SandboxFaults: Sendable, Equatable {
    /// Every Nth GetBetDetails request answers 503 with `Retry-After` (0 = never).
    public var failEvery: Int
    /// Every Nth request answers 400 `E009` "access limit reached".
    /// `retryAfterSeconds` > 0 adds a `Retry-After` header to both.
    public var e009Every: Int
    /// Every Nth request drops the connection halfway through the body.
    public var truncateEvery: Int
    /// Delay before each GetBetDetails answer.
    public var delayMilliseconds: Int
    public var retryAfterSeconds: Int
    /// GetBetDetails requests (numbered from 1) that get no answer until `releaseHeld()` or
    /// the sandbox stops: a test kills the client while it waits, knowing exactly how many
    /// calls were answered, and so committed, before.
    public var holdRequests: Set<Int>
    /// Every GetBetDetails request answers this HTTP status with this Saba errorCode (status
    /// 0 = off), its message echoing the caller's token when `echoToken`: the error paths.
    public var answerStatus: Int
    public var answerErrorCode: String
    public var echoToken: Bool
    /// Every Nth request answers 200 with a body that turns to garbage half-way.
    public var corruptEvery: Int

    public init(failEvery: Int = 0, e009Every: Int = 0, truncateEvery: Int = 0, delayMilliseconds: Int = 0, retryAfterSeconds: Int = 0,
                holdRequests: Set<Int> = [], answerStatus: Int = 0, answerErrorCode: String = "", echoToken: Bool = false, corruptEvery: Int = 0) {
        self.holdRequests = holdRequests
        self.answerStatus = answerStatus
        self.answerErrorCode = answerErrorCode
        self.echoToken = echoToken
        self.corruptEvery = corruptEvery
        self.failEvery = failEvery
        self.e009Every = e009Every
        self.truncateEvery = truncateEvery
        self.delayMilliseconds = delayMilliseconds
        self.retryAfterSeconds = retryAfterSeconds
    }

    public static let none = SandboxFaults()
}

public struct SandboxConfig: Sendable {
    public var book: SandboxBook
    public var tokens: SandboxToken
    public var vendorId: String
    public var faults: SandboxFaults
    /// The sandbox's "now" for its 180-day limit and token expiry.
    public var now: @Sendable () -> Date
    public var tokenLifetime: TimeInterval
    /// Render each distinct GetBetDetails body once and serve it from memory afterwards
    /// (faults still apply), so a benchmark measures the client rather than the sandbox.
    public var cacheBodies: Bool

    public init(book: SandboxBook, tokens: SandboxToken = SandboxToken(), vendorId: String = "sandbox-vendor",
                faults: SandboxFaults = .none, now: @escaping @Sendable () -> Date = { Date() }, tokenLifetime: TimeInterval = 3600,
                cacheBodies: Bool = false) {
        self.book = book
        self.tokens = tokens
        self.vendorId = vendorId
        self.faults = faults
        self.now = now
        self.tokenLifetime = tokenLifetime
        self.cacheBodies = cacheBodies
    }
}

/// A Saba OddsDirect look-alike: `GET /betting/{version}/GetBetDetails` and `POST /login`,
/// bare array on success, Saba's error object otherwise, with its 30- and 180-day limits.
public final class SandboxServer: Sendable {
    public let config: SandboxConfig
    private let requests = Mutex(0)
    private let released = Mutex(false)

    /// Answers the held requests (and any later one that would be held).
    public func releaseHeld() { released.withLock { $0 = true } }
    private let cache: BodyCache?
    private let state = Mutex<(task: Task<Void, any Error>?, group: ServiceGroup?, port: Int)>((nil, nil, 0))
    let logger: Logger

    public init(config: SandboxConfig, logger: Logger? = nil) {
        self.config = config
        self.cache = config.cacheBodies ? BodyCache() : nil
        var quiet = Logger(label: "saba-sandbox")
        quiet.logLevel = .critical  // cancelling the server on stop logs an "error" that is not one
        self.logger = logger ?? quiet
    }

    /// GetBetDetails requests answered so far.
    public var requestCount: Int { requests.withLock { $0 } }

    /// Distinct bodies rendered into the cache so far (0 without `cacheBodies`).
    public var cachedBodyCount: Int { cache?.count ?? 0 }

    public var port: Int { state.withLock { $0.port } }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts on `host:port` (0 = any free port) and returns the bound port.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        let router = Router()
        router.get("/betting/{version}/GetBetDetails") { [self] request, context -> Response in
            try await self.betDetails(request, version: context.parameters.get("version") ?? "")
        }
        router.post("/login") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024)
            return self.login(Array(body.readableBytesView))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "saba-sandbox"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        // A graceful shutdown lets in-flight responses finish: cancelling the server instead can
        // trap in NIO ("Deinited NIOAsyncWriter without calling finish()") with a connection still open.
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            let result = await task.result
            if case .failure(let error) = result { throw error }
            throw SandboxError(message: "the sandbox could not bind \(host):\(port)")
        }
        state.withLock { $0 = (task, group, bound) }
        return bound
    }

    /// Runs until cancelled (the `sandbox` command).
    public func wait() async throws {
        let task = state.withLock { $0.task }
        try await task?.value
    }

    public func stop() async {
        // A held request would keep the graceful shutdown waiting for it.
        releaseHeld()
        let (task, group) = state.withLock { s -> (Task<Void, any Error>?, ServiceGroup?) in
            defer { (s.task, s.group) = (nil, nil) }
            return (s.task, s.group)
        }
        await group?.triggerGracefulShutdown()
        _ = await task?.result
    }

    struct SandboxError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    struct Truncated: Error {}

    static func error(_ status: Int, _ code: String, _ message: String, retryAfter: Int? = nil) -> Response {
        let body = "{\"statusCode\":\(status),\"errorCode\":\"\(code)\",\"message\":\(SandboxBook.jsonString(message)),\"details\":null,\"traceId\":\"sandbox-\(UInt32.random(in: 0...UInt32.max))\"}"
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    func authorize(_ request: Request) -> Response? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return Self.error(401, "E002", "missing Authorization: Bearer token")
        }
        switch config.tokens.verify(String(header.dropFirst(7)), now: Date()) {
        case .valid: return nil
        case .expired: return Self.error(401, "E002", "token expired")
        case .invalid: return Self.error(401, "E002", "invalid token")
        }
    }

    func betDetails(_ request: Request, version: String) async throws -> Response {
        if let denied = authorize(request) { return denied }
        guard version == "v1" || version == "v2" else { return Self.error(404, "E404", "unknown API version \(version)") }
        let q = request.uri.queryParameters
        guard let startText = q["start"].map(String.init), let endText = q["end"].map(String.init),
              let settledText = q["isSettled"].map({ String($0).lowercased() }) else {
            return Self.error(400, "E001", "start, end and isSettled are required")
        }
        guard let start = UTCTime.parse(startText), let end = UTCTime.parse(endText), settledText == "true" || settledText == "false" else {
            return Self.error(400, "E001", "start/end must be YYYY-MM-DDTHH:MM:SS and isSettled true or false")
        }
        guard end >= start, end.timeIntervalSince(start) <= 30 * 86_400 else {
            return Self.error(400, "E003", "the query range must be at most 30 days")
        }
        guard start >= config.now().addingTimeInterval(-180 * 86_400 - 1) else {
            return Self.error(400, "E004", "start is older than six months")
        }
        let n = requests.withLock { value -> Int in
            value += 1
            return value
        }
        let faults = config.faults
        if faults.holdRequests.contains(n) {
            // Bounded: ten minutes at most, and the server's shutdown cancels the wait.
            for _ in 0..<12_000 where !released.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
        }
        if faults.delayMilliseconds > 0 { try await Task.sleep(for: .milliseconds(faults.delayMilliseconds)) }
        if faults.answerStatus > 0 {
            let token = request.headers[.authorization].map { String($0.dropFirst(7)) } ?? ""
            return Self.error(faults.answerStatus, faults.answerErrorCode,
                              "refused by the sandbox" + (faults.echoToken ? " for token " + token : ""),
                              retryAfter: faults.answerStatus == 429 ? 1 : nil)
        }
        if faults.corruptEvery > 0 && n % faults.corruptEvery == 0 {
            var body = ""
            for (k, i) in config.book.indexes(from: start, to: end).prefix(20).enumerated() {
                if k > 0 { body += "," }
                SandboxBook.json(config.book.entry(i), into: &body)
            }
            let half = body.prefix(body.count / 2)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "[" + half + "#GARBAGE#" + "]")))
        }
        if faults.failEvery > 0 && n % faults.failEvery == 0 {
            return Self.error(503, "E500", "service temporarily unavailable", retryAfter: faults.retryAfterSeconds > 0 ? faults.retryAfterSeconds : nil)
        }
        if faults.e009Every > 0 && n % faults.e009Every == 0 {
            return Self.error(400, "E009", "access limit reached", retryAfter: faults.retryAfterSeconds > 0 ? faults.retryAfterSeconds : nil)
        }
        let truncate = faults.truncateEvery > 0 && n % faults.truncateEvery == 0
        let book = config.book
        let settled = settledText == "true"
        let indexes = book.indexes(from: start, to: end)
        if let cache {
            let chunks = await cache.body(book: book, indexes: indexes, settled: settled)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody { writer in
                // Truncated: the first half of the bytes, then the connection drops.
                var budget = truncate ? max(1, chunks.reduce(0) { $0 + $1.readableBytes } / 2) : Int.max
                for chunk in chunks where budget > 0 {
                    let part = chunk.readableBytes <= budget ? chunk : chunk.getSlice(at: chunk.readerIndex, length: budget) ?? chunk
                    budget -= part.readableBytes
                    try await writer.write(part)
                }
                try await Self.end(&writer, truncated: truncate)
            })
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody { writer in
            // Tickets are made as they are written: a busy window never sits in memory.
            var renderer = BodyRenderer(book: book, indexes: indexes, settled: settled, truncateHalfway: truncate)
            while let chunk = renderer.nextChunk() {
                try await writer.write(chunk)
            }
            try await Self.end(&writer, truncated: truncate)
        })
    }

    /// Ends a body: normally, or for a truncated one by dropping the connection (no closing chunk).
    static func end(_ writer: inout any ResponseBodyWriter, truncated: Bool) async throws {
        if truncated {
            try await Task.sleep(for: .milliseconds(20))
            throw Truncated()
        }
        try await writer.finish(nil)
    }

    func login(_ body: [UInt8]) -> Response {
        guard let value = try? JSONValue.parse(body), let vendor = value["vendor_id"]?.stringValue else {
            return Self.error(400, "E001", "body must be {\"vendor_id\", \"vendor_member_id\"}")
        }
        guard vendor == config.vendorId else { return Self.error(401, "E002", "unknown vendor_id") }
        let member = value["vendor_member_id"]?.stringValue ?? "recon"
        let token = config.tokens.make(vendorId: vendor, memberId: member, expiresAt: Date().addingTimeInterval(config.tokenLifetime))
        let json = "{\"access_token\":\"\(token)\",\"token_type\":\"Bearer\",\"expires_in\":\(Int(config.tokenLifetime))}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }
}
