/// Incremental decoder for a GetBetDetails success body (a bare JSON array of tickets).
///
/// Bytes arrive in chunks of any size (libcurl's write callback); each complete ticket
/// object is decoded and handed out at once, so memory holds one ticket, not the body.
/// Pure: no I/O, fed by whoever reads the bytes.
public struct TicketStreamDecoder: Sendable {
    enum State: Sendable {
        case start, firstValueOrEnd, value, commaOrEnd, inObject, done
    }

    /// Largest single ticket object accepted; protects memory from a runaway body.
    public static let maxObjectBytes = 8 << 20

    private var state = State.start
    private var object: [UInt8] = []
    private var objectStart = 0
    private var depth = 0
    private var inString = false
    private var escape = false
    /// Bytes consumed so far: the offset of the next byte.
    public private(set) var offset = 0
    public private(set) var ticketCount = 0
    public let mapper: TicketMapper
    /// Off only in tests that check the fast path against the general one.
    public var useFastPath = true

    public init(mapper: TicketMapper = TicketMapper(), useFastPath: Bool = true) {
        self.mapper = mapper
        self.useFastPath = useFastPath
        object.reserveCapacity(4096)
    }

    /// Feeds the next chunk of the body; `emit` receives each ticket completed by it.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, emit: (Ticket) throws -> Void) throws {
        let bytes = chunk.bindMemory(to: UInt8.self)
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            switch state {
            case .inObject:
                // Copy a run of plain bytes at once; only quotes, backslashes and braces matter.
                var j = i
                while j < n {
                    let b = bytes[j]
                    if escape {
                        escape = false
                    } else if inString {
                        if b == 0x5C { escape = true } else if b == 0x22 { inString = false }
                    } else if b == 0x22 {
                        inString = true
                    } else if b == 0x7B || b == 0x5B {
                        depth += 1
                    } else if b == 0x7D || b == 0x5D {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    j += 1
                }
                if j < n {
                    object.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i...j]))
                    offset += j - i + 1
                    i = j + 1
                    try completeObject(emit: emit)
                    state = .commaOrEnd
                } else {
                    object.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<n]))
                    offset += n - i
                    i = n
                }
                if object.count > Self.maxObjectBytes {
                    throw TicketDecodingError(offset: objectStart, reason: "ticket object larger than \(Self.maxObjectBytes) bytes")
                }
                continue
            default:
                break
            }
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                i += 1
                offset += 1
                continue
            }
            switch state {
            case .start:
                if c == 0x5B {
                    state = .firstValueOrEnd
                } else if c == 0x7B {
                    throw TicketDecodingError(offset: offset, reason: "expected a JSON array of tickets, got an object (an error body with HTTP 200?)")
                } else {
                    throw TicketDecodingError(offset: offset, reason: "expected '[' at the start of the body, got \(describe(c))")
                }
            case .firstValueOrEnd, .value:
                if c == 0x7B && useFastPath {
                    // Most tickets lie whole inside the chunk: parse them in place, no copy, no scan.
                    let offsetNow = mapper.timeOffset
                    if let (ticket, length) = TicketFastParser.parsePrefix(UnsafeBufferPointer(rebasing: bytes[i..<n]), timeOffset: offsetNow) {
                        ticketCount += 1
                        offset += length
                        i += length
                        state = .commaOrEnd
                        try emit(ticket)
                        continue
                    }
                }
                if c == 0x7B {
                    beginObject()
                    state = .inObject
                    object.append(c)
                    depth = 1
                } else if c == 0x5D && state == .firstValueOrEnd {
                    state = .done
                } else {
                    throw TicketDecodingError(offset: offset, reason: "expected a ticket object, got \(describe(c))")
                }
            case .commaOrEnd:
                if c == 0x2C {
                    state = .value
                } else if c == 0x5D {
                    state = .done
                } else {
                    throw TicketDecodingError(offset: offset, reason: "expected ',' or ']' after a ticket, got \(describe(c))")
                }
            case .done:
                throw TicketDecodingError(offset: offset, reason: "unexpected data after the closing ']'")
            case .inObject:
                break
            }
            i += 1
            offset += 1
        }
    }

    /// Convenience for tests and files: feeds a whole byte array.
    public mutating func feed(_ bytes: [UInt8], emit: (Ticket) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, emit: emit) }
    }

    /// Call after the last chunk: a body that stops before its closing `]` is an error.
    public func finish() throws {
        switch state {
        case .done:
            return
        case .start:
            throw TicketDecodingError(offset: offset, reason: "empty body (expected a JSON array)")
        case .inObject:
            throw TicketDecodingError(offset: offset, reason: "body ended inside the ticket that starts at byte \(objectStart) (truncated?)")
        default:
            throw TicketDecodingError(offset: offset, reason: "body ended before the closing ']' (truncated?)")
        }
    }

    public var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    private mutating func beginObject() {
        object.removeAll(keepingCapacity: true)
        objectStart = offset
        inString = false
        escape = false
    }

    private mutating func completeObject(emit: (Ticket) throws -> Void) throws {
        let offset = mapper.timeOffset
        if useFastPath, let fast = object.withUnsafeBufferPointer({ TicketFastParser.parse($0, timeOffset: offset) }) {
            ticketCount += 1
            try emit(fast)
            return
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(object, baseOffset: objectStart)
        } catch {
            throw TicketDecodingError(offset: error.offset, reason: error.reason)
        }
        let ticket = try mapper.ticket(from: value, offset: objectStart)
        ticketCount += 1
        try emit(ticket)
    }

    private func describe(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? "'\(Character(UnicodeScalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }
}
