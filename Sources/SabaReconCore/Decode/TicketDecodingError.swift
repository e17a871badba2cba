/// A GetBetDetails body that could not be read: where (byte offset) and why.
public struct TicketDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset in the response body.
    public var offset: Int
    public var reason: String
    /// The ticket's transId when the failing object had one.
    public var transId: String?

    public init(offset: Int, reason: String, transId: String? = nil) {
        self.offset = offset
        self.reason = reason
        self.transId = transId
    }

    public var description: String {
        let ticket = transId.map { " (transId \($0))" } ?? ""
        return "malformed GetBetDetails body at byte \(offset)\(ticket): \(reason)"
    }
}
