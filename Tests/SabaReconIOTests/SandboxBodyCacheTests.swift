import Foundation
import TestSupport
import Testing
import SabaReconCore
import SabaReconIO
import SabaSandbox

/// `--cache-bodies`: the same bytes as a sandbox rendering every body, each body rendered
/// once, and the fault switches still applied.
@Suite(.serialized) struct SandboxBodyCacheTests {
    static let query = "start=2026-07-05T00:00:00&end=2026-07-20T00:00:00&Language=en"

    /// Status, body bytes, and the transport error when the connection dropped.
    static func get(_ h: SandboxHarness, settled: Bool) async throws -> (status: Int, body: [UInt8], error: TransportError?) {
        let url = h.server.baseURL + "/betting/v1/GetBetDetails?\(query)&isSettled=\(settled)"
        let token = h.token()
        return try await blocking {
            var body: [UInt8] = []
            var status = 0
            do {
                let head = try CurlTransport().perform(HTTPRequest(url: url, headers: [("Authorization", "Bearer \(token)")]),
                                                       onHead: { status = $0.status }, onBody: { body.append(contentsOf: $0) })
                return (head.status, body, nil)
            } catch let error as TransportError {
                return (status, body, error)
            }
        }
    }

    @Test func cachedBodiesAreTheRenderedBytesAndRenderedOnce() async throws {
        let plain = try await SandboxHarness.start(tickets: 3000)
        let cached = try await SandboxHarness.start(tickets: 3000, cacheBodies: true)
        for settled in [false, true] {
            let expected = try await Self.get(plain, settled: settled)
            #expect(expected.status == 200 && expected.body.count > 300_000)  // more than one 256 KB chunk
            for _ in 0..<2 {
                let served = try await Self.get(cached, settled: settled)
                #expect(served.status == 200 && served.error == nil)
                #expect(served.body == expected.body)
            }
        }
        #expect(cached.server.cachedBodyCount == 2)
        #expect(cached.server.requestCount == 4)
        #expect(plain.server.cachedBodyCount == 0)
        await plain.stop()
        await cached.stop()
    }

    @Test func faultsStillApplyToCachedBodies() async throws {
        let h = try await SandboxHarness.start(tickets: 3000, faults: SandboxFaults(failEvery: 3, truncateEvery: 2), cacheBodies: true)
        let whole = try await Self.get(h, settled: true)       // 1: whole
        let truncated = try await Self.get(h, settled: true)   // 2: dropped halfway
        let failed = try await Self.get(h, settled: true)      // 3: 503
        #expect(whole.status == 200 && whole.error == nil)
        #expect(truncated.error != nil)
        #expect(truncated.body.count == whole.body.count / 2)
        #expect(Array(whole.body.prefix(truncated.body.count)) == truncated.body)
        #expect(failed.status == 503)
        #expect(h.server.cachedBodyCount == 1)
        await h.stop()
    }

    @Test func aFirstRequestThatIsTruncatedStillCachesTheWholeBody() async throws {
        let h = try await SandboxHarness.start(tickets: 3000, faults: SandboxFaults(truncateEvery: 1), cacheBodies: true)
        let truncated = try await Self.get(h, settled: false)
        #expect(truncated.error != nil && !truncated.body.isEmpty)
        #expect(truncated.body.last != UInt8(ascii: "]"))
        #expect(h.server.cachedBodyCount == 1)
        await h.stop()
    }
}
