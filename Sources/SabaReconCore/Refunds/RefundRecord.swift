import Foundation

/// Where a record came from: the file and its 1-based line.
public struct RecordLocation: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// One eBET `autoBatchRefund` item: a refund of `refundMoney` to `username` for `roundCode`.
public struct EbetRefund: Sendable, Equatable {
    public var seqNo: String
    public var batchSeqNo: String
    public var username: String
    public var roundCode: String
    public var refundMoney: Money
    /// Sum of `detail[].money`, when the item had details.
    public var detailSum: Money?
    public var currency: String
    /// The per-item status the operator answered (200 refunded now, 209 already refunded), if logged.
    public var answer: Int?
    /// Whether a response was logged at all (an envelope with a response).
    public var responseLogged: Bool
    public var time: Date
    public var location: RecordLocation

    public init(seqNo: String, batchSeqNo: String, username: String, roundCode: String, refundMoney: Money, detailSum: Money?, currency: String, answer: Int?, responseLogged: Bool, time: Date, location: RecordLocation) {
        self.seqNo = seqNo
        self.batchSeqNo = batchSeqNo
        self.username = username
        self.roundCode = roundCode
        self.refundMoney = refundMoney
        self.detailSum = detailSum
        self.currency = currency
        self.answer = answer
        self.responseLogged = responseLogged
        self.time = time
        self.location = location
    }
}

/// One JDB Action 4 Cancel BetNSettle message and the operator's answer, if logged.
public struct JdbCancel: Sendable, Equatable {
    public var transferId: String
    public var uid: String
    public var currency: String
    /// `0000`, `6101`, `9017`, another code, or nil when no response was logged.
    public var answer: String?
    public var time: Date
    public var location: RecordLocation

    public init(transferId: String, uid: String, currency: String, answer: String?, time: Date, location: RecordLocation) {
        self.transferId = transferId
        self.uid = uid
        self.currency = currency
        self.answer = answer
        self.time = time
        self.location = location
    }
}

/// One market of an odds-feed `bet_cancel` (cmd 10050).
public struct CancelledMarket: Sendable, Equatable, Hashable {
    public var id: String
    /// nil when the message gave no specifiers (then any specifiers match).
    public var specifiers: String?
    public var name: String
    public var voidReason: String

    public init(id: String, specifiers: String?, name: String, voidReason: String) {
        self.id = id
        self.specifiers = specifiers
        self.name = name
        self.voidReason = voidReason
    }
}

/// Odds-feed `bet_cancel`: bets on these markets placed within [start, end] must net to zero.
public struct BetCancel: Sendable, Equatable {
    public var eventId: String
    public var markets: [CancelledMarket]
    public var start: Date?
    public var end: Date?
    public var time: Date
    public var location: RecordLocation

    public init(eventId: String, markets: [CancelledMarket], start: Date?, end: Date?, time: Date, location: RecordLocation) {
        self.eventId = eventId
        self.markets = markets
        self.start = start
        self.end = end
        self.time = time
        self.location = location
    }
}

/// Odds-feed `bet_stop` (cmd 10030): no money moves; bets accepted after it are suspect.
public struct BetStop: Sendable, Equatable {
    public var eventId: String
    /// `all`, or group names separated by `|` or `,`.
    public var groups: String
    public var marketStatus: String?
    public var time: Date
    public var location: RecordLocation

    public init(eventId: String, groups: String, marketStatus: String?, time: Date, location: RecordLocation) {
        self.eventId = eventId
        self.groups = groups
        self.marketStatus = marketStatus
        self.time = time
        self.location = location
    }
}

/// A recognised provider record, or a line that could not be read.
public enum RefundRecord: Sendable, Equatable {
    case ebet(EbetRefund)
    case jdb(JdbCancel)
    case betCancel(BetCancel)
    case betStop(BetStop)
}

/// A line of a refund-record file that could not be read: reported, never fatal.
public struct MalformedRecord: Sendable, Equatable, CustomStringConvertible {
    public var location: RecordLocation
    public var reason: String
    /// The provider, when the shape was recognised but a field was wrong.
    public var provider: String?
    /// SHA-256 of the line's bytes (nil for a line too long to read whole).
    public var digest: String? = nil

    public var description: String { "\(location): \(reason)" }

    /// The reason and the provider are cut to a bounded excerpt (`TextExcerpt`): they may
    /// quote an outsider's field, and a line of megabytes must not become megabytes of reports.
    public init(location: RecordLocation, reason: String, provider: String? = nil) {
        self.location = location
        self.reason = TextExcerpt.cut(reason, maxScalars: TextExcerpt.reasonLimit)
        self.provider = provider.map { TextExcerpt.cut($0, maxScalars: TextExcerpt.providerLimit) }
    }
}
