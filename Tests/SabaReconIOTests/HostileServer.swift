import Foundation
import Synchronization

/// A one-connection-at-a-time HTTP server on loopback that misbehaves on purpose: after a
/// `200` head it sends `[` and then `byte` every `interval` (nil: as fast as it can) until
/// the client goes away or `stop()` is called. Bounded: it stops by itself after `lifetime`.
final class HostileServer: Sendable {
    let port: Int
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)

    init(byte: UInt8 = 0x20, interval: TimeInterval?, lifetime: TimeInterval = 30) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileNoSuchFile) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 4) == 0 else { close(fd); throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let deadline = Date().addingTimeInterval(lifetime)
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) && Date() < deadline {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { break }
                var noSigPipe: Int32 = 1
                setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, &noSigPipe, socklen_t(MemoryLayout<Int32>.size))
                var request = [UInt8](repeating: 0, count: 4096)
                _ = read(client, &request, request.count)
                let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[".utf8)
                _ = head.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                let chunk = [UInt8](repeating: byte, count: interval == nil ? 65_536 : 1)
                while !stopped.load(ordering: .relaxed) && Date() < deadline {
                    let sent = chunk.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if sent <= 0 { break }
                    if let interval { Thread.sleep(forTimeInterval: interval) }
                }
                close(client)
            }
        }
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
