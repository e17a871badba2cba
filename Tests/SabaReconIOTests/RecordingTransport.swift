import Foundation
import SabaReconIO
import Synchronization

/// An `HTTPTransport` that answers from a script and records every request, for the
/// edges whose peer is not the sandbox (a dead-man's-switch monitor) or misbehaves on purpose.
final class RecordingTransport: HTTPTransport {
    struct Sent: Sendable {
        var method: String
        var url: String
        var body: String
        var headers: [String: String]
    }

    private let sent = Mutex<[Sent]>([])
    private let answer: @Sendable (HTTPRequest) throws -> (Int, String)

    init(answer: @escaping @Sendable (HTTPRequest) throws -> (Int, String) = { _ in (200, "OK") }) {
        self.answer = answer
    }

    var requests: [Sent] { sent.withLock { $0 } }

    func perform(_ request: HTTPRequest, onHead: (HTTPResponseHead) throws -> Void,
                 onBody: (UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponseHead {
        let headers = Dictionary(request.headers.map { ($0.0.lowercased(), $0.1) }) { $1 }
        sent.withLock { $0.append(Sent(method: request.method, url: request.url, body: String(decoding: request.body ?? [], as: UTF8.self), headers: headers)) }
        let (status, body) = try answer(request)
        let head = HTTPResponseHead(status: status)
        try onHead(head)
        try Array(body.utf8).withUnsafeBytes { try onBody($0) }
        return head
    }
}
