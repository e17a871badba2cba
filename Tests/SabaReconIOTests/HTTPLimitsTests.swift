import Foundation
import Testing
@testable import SabaReconIO

/// SPEC 6: a body that never ends or a server that trickles fails the call, named, in
/// bounded time.
@Suite(.serialized) struct HTTPLimitsTests {
    func get(_ server: HostileServer, totalTimeout: Int, maxBytes: Int, lowSpeedTime: Int = 60) -> (TransportError?, TimeInterval) {
        let request = HTTPRequest(url: "http://127.0.0.1:\(server.port)/betting/v1/GetBetDetails", lowSpeedLimit: 1024,
                                  lowSpeedTime: lowSpeedTime, totalTimeout: totalTimeout, maxBytes: maxBytes)
        let started = Date()
        do {
            _ = try CurlTransport().perform(request, onHead: { _ in }, onBody: { _ in })
            return (nil, Date().timeIntervalSince(started))
        } catch {
            return (error as? TransportError, Date().timeIntervalSince(started))
        }
    }

    @Test func anEndlessBodyStopsAtTheByteLimit() throws {
        let server = try HostileServer(interval: nil)
        defer { server.stop() }
        let (error, seconds) = get(server, totalTimeout: 20, maxBytes: 4 << 20)
        let e = try #require(error)
        #expect(e.message.contains("larger than 4194304 bytes"))
        #expect(!e.isRetryable)
        #expect(seconds < 10)
    }

    @Test func anEndlessBodyStopsAtTheTimeLimit() throws {
        let server = try HostileServer(interval: 0.0005)
        defer { server.stop() }
        let (error, seconds) = get(server, totalTimeout: 2, maxBytes: 8 << 30, lowSpeedTime: 60)
        let e = try #require(error)
        #expect(e.message.contains("limits: 2 s in all"), "\(e.message)")
        #expect(seconds >= 1.5 && seconds < 8)
    }

    @Test func aTricklingServerFailsAtTheLowSpeedFloor() throws {
        let server = try HostileServer(interval: 1)
        defer { server.stop() }
        let (error, seconds) = get(server, totalTimeout: 60, maxBytes: 8 << 30, lowSpeedTime: 2)
        let e = try #require(error)
        #expect(e.message.contains("at least 1024 bytes/s over 2 s"), "\(e.message)")
        #expect(seconds < 10)
    }
}
