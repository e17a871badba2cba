import Foundation
import Logging
import SabaReconCore

/// Pings a dead-man's-switch monitor (healthchecks.io style): `URL/start` when a run starts,
/// `URL` when it completes (exit 0 or 1) and `URL/fail` when it fails, with a one-line summary as
/// the body. The monitor alerts when the success ping stops coming. A ping that fails is logged
/// and never fails the run: the monitor's own silence is the alarm.
public struct DeadMansSwitch: Sendable {
    public enum Event: String, Sendable {
        case start, success, fail
    }

    public let url: String
    let transport: any HTTPTransport
    let logger: Logger

    public init(url: String, transport: any HTTPTransport, logger: Logger) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        self.url = base
        self.transport = transport
        self.logger = logger
    }

    public func pingURL(_ event: Event) -> String {
        switch event {
        case .start: url + "/start"
        case .success: url
        case .fail: url + "/fail"
        }
    }

    /// Returns whether the monitor answered 2xx (tries twice).
    @discardableResult
    public func ping(_ event: Event, message: String) -> Bool {
        let shown = Settings.redact(url, .urlPath)
        let request = HTTPRequest(url: pingURL(event), method: "POST", headers: [("Content-Type", "text/plain; charset=utf-8")],
                                  body: Array(message.utf8), connectTimeout: 5, lowSpeedLimit: 1, lowSpeedTime: 5,
                                  totalTimeout: 10, maxBytes: 64 << 10)
        var last = ""
        for _ in 1...2 {
            do {
                let head = try transport.perform(request, onHead: { _ in }, onBody: { _ in })
                if (200..<300).contains(head.status) {
                    logger.debug("dead-man's switch \(shown): \(event.rawValue) ping sent")
                    return true
                }
                last = "HTTP \(head.status)"
            } catch let error as TransportError {
                last = error.message
            } catch {
                last = String(describing: error)
            }
        }
        logger.warning("dead-man's switch \(shown): the \(event.rawValue) ping failed (\(last)); the run goes on")
        return false
    }
}
