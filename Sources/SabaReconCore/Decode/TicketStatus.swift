/// Saba ticket statuses (GetBetDetails "Ticket Status" table). Anything else is kept
/// verbatim as `.unknown` so it becomes an `unknown_status` row instead of a crash.
public enum TicketStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    case waiting, running
    case won, lose, draw, halfWon, halfLose
    case void, refund, reject
    case unknown(String)

    public init(_ text: String) {
        switch text {
        case "waiting": self = .waiting
        case "running": self = .running
        case "won": self = .won
        case "lose": self = .lose
        case "draw": self = .draw
        case "half won": self = .halfWon
        case "half lose": self = .halfLose
        case "void": self = .void
        case "refund": self = .refund
        case "reject": self = .reject
        default: self = .unknown(text)
        }
    }

    public var description: String {
        switch self {
        case .waiting: "waiting"
        case .running: "running"
        case .won: "won"
        case .lose: "lose"
        case .draw: "draw"
        case .halfWon: "half won"
        case .halfLose: "half lose"
        case .void: "void"
        case .refund: "refund"
        case .reject: "reject"
        case .unknown(let text): text
        }
    }

    public var isOpen: Bool { self == .waiting || self == .running }
    public var isStakeReturned: Bool { self == .void || self == .refund || self == .reject }
    public var isResult: Bool {
        switch self {
        case .won, .lose, .draw, .halfWon, .halfLose: true
        default: false
        }
    }
    public var isKnown: Bool {
        if case .unknown = self { return false }
        return true
    }

    /// Higher means further along; used when the same ticket arrives twice.
    public var settlementRank: Int {
        switch self {
        case .waiting: 0
        case .running: 1
        case .unknown: 2
        case .won, .lose, .draw, .halfWon, .halfLose, .void, .refund, .reject: 3
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static let documented: [String] = [
        "waiting", "running", "won", "lose", "draw", "half won", "half lose", "void", "refund", "reject",
    ]
}
