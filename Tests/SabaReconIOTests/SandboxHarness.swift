import Foundation
import TestSupport
import SabaReconCore
import SabaReconIO
import SabaSandbox
import Synchronization

/// A sandbox on loopback plus a client pointed at it, for tests.
struct SandboxHarness {
    static let now = UTCTime.parse("2026-07-20T12:00:00Z")!
    let server: SandboxServer
    let book: SandboxBook
    let tokens = SandboxToken()

    static func start(tickets: Int = 400, faults: SandboxFaults = .none, unknownStatusEvery: Int = 0,
                      vendorId: String = "sandbox-vendor", tokenLifetime: TimeInterval = 3600, cacheBodies: Bool = false) async throws -> SandboxHarness {
        let book = SandboxBook(seed: 7, count: tickets, spanStart: now.addingTimeInterval(-20 * 86_400), spanEnd: now.addingTimeInterval(-3600),
                               unknownStatusEvery: unknownStatusEvery)
        let server = SandboxServer(config: SandboxConfig(book: book, vendorId: vendorId, faults: faults, now: { now }, tokenLifetime: tokenLifetime,
                                                         cacheBodies: cacheBodies))
        _ = try await server.start()
        return SandboxHarness(server: server, book: book)
    }

    func token(expiresIn seconds: TimeInterval = 3600) -> String {
        tokens.make(vendorId: "sandbox-vendor", expiresAt: Date().addingTimeInterval(seconds))
    }

    func client(token: String? = nil, maxAttempts: Int = 4, sleeps: Sleeps = Sleeps()) throws -> SabaClient {
        SabaClient(config: SabaClientConfig(apiURL: server.baseURL, maxAttempts: maxAttempts),
                   transport: CurlTransport(), tokens: try StaticTokenSource(token: token ?? self.token(), origin: "test"),
                   clock: SystemWallClock(), sleep: { sleeps.record($0) })
    }

    func stop() async { await server.stop() }
}

/// Records the backoff delays instead of sleeping.
final class Sleeps: Sendable {
    private let delays = Mutex<[TimeInterval]>([])
    func record(_ d: TimeInterval) { delays.withLock { $0.append(d) } }
    var all: [TimeInterval] { delays.withLock { $0 } }
}

