import CCurl
import CShim
import Foundation
import SabaReconCore

/// `HTTPTransport` over libcurl's easy interface. The body streams through
/// `CURLOPT_WRITEFUNCTION`; TLS verification is always on.
public struct CurlTransport: HTTPTransport {
    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    public init() {}

    /// Per-transfer state handed to the C callbacks through an opaque pointer.
    final class Exchange {
        let onHead: (HTTPResponseHead) throws -> Void
        let onBody: (UnsafeRawBufferPointer) throws -> Void
        var status = 0
        var headers: [String: String] = [:]
        var headDelivered = false
        var failure: (any Error)?
        var bytes = 0
        var maxBytes = Int.max
        var handle: UnsafeMutableRawPointer?

        init(onHead: @escaping (HTTPResponseHead) throws -> Void, onBody: @escaping (UnsafeRawBufferPointer) throws -> Void) {
            self.onHead = onHead
            self.onBody = onBody
        }

        func deliverHead() throws {
            guard !headDelivered else { return }
            headDelivered = true
            if let handle {
                var code = 0
                if sr_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK, code > 0 { status = code }
            }
            try onHead(HTTPResponseHead(status: status, headers: headers))
        }
    }

    public func perform(
        _ request: HTTPRequest,
        onHead: (HTTPResponseHead) throws -> Void,
        onBody: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> HTTPResponseHead {
        try withoutActuallyEscaping(onHead) { onHead in
            try withoutActuallyEscaping(onBody) { onBody in
                try run(request, exchange: Exchange(onHead: onHead, onBody: onBody))
            }
        }
    }

    private func run(_ request: HTTPRequest, exchange: Exchange) throws -> HTTPResponseHead {
        guard Self.globalInit, let handle = curl_easy_init() else {
            throw TransportError(code: -1, message: "libcurl could not be initialised", isRetryable: false)
        }
        defer { curl_easy_cleanup(handle) }
        exchange.handle = handle
        exchange.maxBytes = request.maxBytes
        // Plain HTTP only to this machine: a bearer token never crosses a network in clear text.
        guard let scheme = URL(string: request.url)?.scheme?.lowercased(), let host = URL(string: request.url)?.host,
              scheme == "https" || (scheme == "http" && Settings.isLoopback(host)) else {
            throw TransportError(code: Int(CURLE_UNSUPPORTED_PROTOCOL.rawValue),
                                 message: "refusing \(request.url.prefix(8))…: only https://, or http:// to a loopback host", isRetryable: false)
        }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let context = Unmanaged.passUnretained(exchange).toOpaque()

        let writeCallback: sr_data_callback = { ptr, size, count, userdata in
            guard let userdata, let ptr else { return 0 }
            let exchange = Unmanaged<Exchange>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            do {
                try exchange.deliverHead()
                exchange.bytes += length
                guard exchange.bytes <= exchange.maxBytes else {
                    throw TransportError(code: Int(CURLE_FILESIZE_EXCEEDED.rawValue),
                                         message: "the response is larger than \(exchange.maxBytes) bytes; stopped reading it", isRetryable: false,
                                         bytesReceived: exchange.bytes)
                }
                try exchange.onBody(UnsafeRawBufferPointer(start: ptr, count: length))
                return length
            } catch {
                exchange.failure = error
                return 0  // makes libcurl abort the transfer with CURLE_WRITE_ERROR
            }
        }
        let headerCallback: sr_data_callback = { ptr, size, count, userdata in
            guard let userdata, let ptr else { return 0 }
            let exchange = Unmanaged<Exchange>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: length), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("HTTP/") {
                // A new response (after a 100 Continue or similar) starts a fresh header set.
                exchange.headers = [:]
                let parts = line.split(separator: " ")
                if parts.count >= 2, let code = Int(parts[1]) { exchange.status = code }
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                exchange.headers[name] = value
            }
            return length
        }

        var setup = [
            sr_setopt_string(handle, CURLOPT_URL, request.url),
            sr_setopt_callback(handle, CURLOPT_WRITEFUNCTION, writeCallback),
            sr_setopt_pointer(handle, CURLOPT_WRITEDATA, context),
            sr_setopt_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback),
            sr_setopt_pointer(handle, CURLOPT_HEADERDATA, context),
            sr_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)),
            sr_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, request.connectTimeout),
            sr_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, request.lowSpeedLimit),
            sr_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, request.lowSpeedTime),
            sr_setopt_long(handle, CURLOPT_TIMEOUT, request.totalTimeout),
            // Never another protocol, and no redirect is followed (nor could lead elsewhere).
            sr_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "https,http"),
            sr_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "https"),
            sr_setopt_long(handle, CURLOPT_MAXREDIRS, 0),
            sr_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            sr_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0),
            sr_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1),
            sr_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2),
            sr_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1),
            // "" = every encoding libcurl supports; a 300 MB JSON body shrinks a lot with gzip.
            sr_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""),
        ]
        if request.method == "POST" {
            let body = request.body ?? []
            setup.append(sr_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count))
            setup.append(body.withUnsafeBufferPointer { buf in
                buf.withMemoryRebound(to: CChar.self) { sr_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            })
        } else if request.method != "GET" {
            setup.append(sr_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if let bad = setup.first(where: { $0 != CURLE_OK }) {
            throw TransportError(code: Int(bad.rawValue), message: "libcurl rejected an option: \(String(cString: curl_easy_strerror(bad)))", isRetryable: false)
        }

        let result = errorBuffer.withUnsafeMutableBufferPointer { buf -> CURLcode in
            _ = sr_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buf.baseAddress)
            let r = curl_easy_perform(handle)
            _ = sr_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
            return r
        }
        if let failure = exchange.failure { throw failure }
        guard result == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var message = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            if result == CURLE_OPERATION_TIMEDOUT { message += " (\(request.limitsText))" }
            throw TransportError(code: Int(result.rawValue), message: message, isRetryable: Self.isRetryable(result), bytesReceived: exchange.bytes)
        }
        try exchange.deliverHead()
        return HTTPResponseHead(status: exchange.status, headers: exchange.headers)
    }

    static func isRetryable(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_BAD_FUNCTION_ARGUMENT, CURLE_OUT_OF_MEMORY:
            return false
        default:
            return true
        }
    }
}
