import Foundation

/// Reads one JSON Lines record (SPEC 1.4): the raw provider message, or the callback
/// endpoint's envelope `{"received_at", "provider", "request", "response"}`. Pure.
public enum RefundRecordParser {
    public enum Parsed: Sendable, Equatable {
        case records([RefundRecord])
        case malformed(MalformedRecord)
        /// A blank line: counted, not reported.
        case blank
    }

    public static func parse(line bytes: [UInt8], at location: RecordLocation) -> Parsed {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .blank }
        // A bad line is named across nights by its bytes (SPEC §9), wherever it moved in the file.
        func malformed(_ m: MalformedRecord) -> Parsed {
            var m = m
            m.digest = SHA256.hex(bytes)
            return .malformed(m)
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            return malformed(MalformedRecord(location: location, reason: "not JSON (\(error.reason) at byte \(error.offset))"))
        }
        guard case .object = value else {
            return malformed(MalformedRecord(location: location, reason: "not a JSON object"))
        }
        do {
            return .records(try records(from: value, at: location))
        } catch let failure as Failure {
            return malformed(MalformedRecord(location: location, reason: failure.reason, provider: failure.provider))
        } catch {
            return malformed(MalformedRecord(location: location, reason: "\(error)"))
        }
    }

    struct Failure: Error {
        var reason: String
        var provider: String?
    }

    static func records(from value: JSONValue, at location: RecordLocation) throws -> [RefundRecord] {
        var message = value
        var response: JSONValue?
        var receivedAt: Date?
        if let request = value["request"], case .object = request {
            message = request
            response = value["response"].flatMap { $0.isNull ? nil : $0 }
            if let text = value["received_at"] {
                receivedAt = try time(text, "received_at", provider: value["provider"]?.stringValue)
            }
            // Some endpoints log the body as a JSON string.
            if case .string(let body)? = response, let parsed = try? JSONValue.parse(body) { response = parsed }
        } else if case .string(let body)? = value["request"], let parsed = try? JSONValue.parse(body), case .object = parsed {
            message = parsed
            response = value["response"].flatMap { $0.isNull ? nil : $0 }
            if case .string(let r)? = response, let parsed = try? JSONValue.parse(r) { response = parsed }
            if let text = value["received_at"] { receivedAt = try time(text, "received_at", provider: value["provider"]?.stringValue) }
        }
        if message["event"]?.stringValue == "autoBatchRefund" {
            return try ebet(message, response: response, receivedAt: receivedAt, at: location)
        }
        if case .number(let action)? = message["action"], action == "4" {
            return [.jdb(try jdb(message, response: response, receivedAt: receivedAt, at: location))]
        }
        if case .number(let cmd)? = message["cmd"] {
            if cmd == "10050" { return [.betCancel(try betCancel(message, receivedAt: receivedAt, at: location))] }
            if cmd == "10030" { return [.betStop(try betStop(message, receivedAt: receivedAt, at: location))] }
            throw Failure(reason: "odds-feed cmd \(cmd) is not bet_cancel (10050) or bet_stop (10030)", provider: "feed")
        }
        throw Failure(reason: "unrecognised record: not eBET autoBatchRefund, JDB action 4, or odds-feed cmd 10050/10030",
                      provider: message == value ? nil : value["provider"]?.stringValue)
    }

    // MARK: fields

    static func string(_ v: JSONValue?, _ name: String, provider: String) throws -> String {
        switch v {
        case .string(let s)? where !s.isEmpty: return s
        case .number(let n)?: return n
        default: throw Failure(reason: "\(name) is missing or not a string", provider: provider)
        }
    }

    static func money(_ v: JSONValue?, _ name: String, provider: String) throws -> Money {
        switch v {
        case .number(let n)?, .string(let n)?:
            guard let d = Money.parse(n) else { throw Failure(reason: "\(name) '\(n)' is not an exact decimal", provider: provider) }
            return d
        default: throw Failure(reason: "\(name) is missing or not a number", provider: provider)
        }
    }

    /// Milliseconds since the epoch (numbers) or ISO 8601 text.
    static func time(_ v: JSONValue?, _ name: String, provider: String?) throws -> Date {
        switch v {
        case .number(let n)?:
            guard let ms = Money.parse(n) else { throw Failure(reason: "\(name) is not a number", provider: provider) }
            return Date(timeIntervalSince1970: ms.seconds(perUnit: 1000))
        case .string(let s)?:
            if let d = UTCTime.parse(s) { return d }
            throw Failure(reason: "\(name) '\(s)' is not a time", provider: provider)
        default:
            throw Failure(reason: "\(name) is missing", provider: provider)
        }
    }

    static func ebet(_ m: JSONValue, response: JSONValue?, receivedAt: Date?, at location: RecordLocation) throws -> [RefundRecord] {
        let p = "ebet"
        let batch = try string(m["seqNo"], "seqNo", provider: p)
        let sent = try time(m["timestamp"], "timestamp", provider: p)
        let currency = m["currency"]?.stringValue ?? ""
        guard case .array(let items)? = m["batchRefundList"] else { throw Failure(reason: "batchRefundList is missing", provider: p) }
        // Per-item answers: refundResultList[].sucRefundSeqNoList[] {seqNo|refundSeqNo, status}.
        var answers: [String: Int] = [:]
        // Only seqNo, event, timestamp and status are required in the response (seed 002): without
        // refundResultList, the top-level status answers every item.
        var answerForAll: Int?
        if let response, response["refundResultList"].map({ $0.isNull }) ?? true {
            switch response["status"] {
            case .number(let n)?, .string(let n)?: answerForAll = Int(n.trimmingCharacters(in: .whitespaces))
            default: break
            }
        }
        if case .array(let results)? = response?["refundResultList"] {
            for result in results {
                guard case .array(let list)? = result["sucRefundSeqNoList"] else { continue }
                for item in list {
                    guard let seq = item["seqNo"]?.stringValue ?? item["refundSeqNo"]?.stringValue else { continue }
                    if case .number(let s)? = item["status"], let code = Int(s) { answers[seq] = code }
                }
            }
        }
        return try items.enumerated().map { k, item in
            let seq = try string(item["seqNo"], "batchRefundList[\(k)].seqNo", provider: p)
            var detailSum: Money?
            if case .array(let details)? = item["detail"] {
                detailSum = try details.enumerated().reduce(Money.zero) { sum, d in
                    sum + (try money(d.element["money"], "batchRefundList[\(k)].detail[\(d.offset)].money", provider: p))
                }
            }
            return .ebet(EbetRefund(
                seqNo: seq, batchSeqNo: batch, username: try string(item["username"], "batchRefundList[\(k)].username", provider: p),
                roundCode: try string(item["roundCode"], "batchRefundList[\(k)].roundCode", provider: p),
                refundMoney: try money(item["refundMoney"], "batchRefundList[\(k)].refundMoney", provider: p),
                detailSum: detailSum, currency: currency, answer: answers[seq] ?? answerForAll, responseLogged: response != nil,
                time: receivedAt ?? sent, location: location))
        }
    }

    static func jdb(_ m: JSONValue, response: JSONValue?, receivedAt: Date?, at location: RecordLocation) throws -> JdbCancel {
        let p = "jdb"
        var answer: String?
        if let response {
            switch response["status"] {
            case .string(let s)?: answer = s
            case .number(let n)?: answer = String(repeating: "0", count: max(0, 4 - n.count)) + n
            default: throw Failure(reason: "the logged response has no status", provider: p)
            }
        }
        return JdbCancel(
            transferId: try string(m["transferId"], "transferId", provider: p), uid: (try? string(m["uid"], "uid", provider: p)) ?? "",
            currency: m["currency"]?.stringValue ?? "", answer: answer,
            time: try receivedAt ?? time(m["ts"], "ts", provider: p), location: location)
    }

    static func betCancel(_ m: JSONValue, receivedAt: Date?, at location: RecordLocation) throws -> BetCancel {
        let p = "feed"
        guard let data = m["data"], case .object = data else { throw Failure(reason: "bet_cancel has no data object", provider: p) }
        guard case .array(let list)? = data["market"], !list.isEmpty else { throw Failure(reason: "bet_cancel lists no market", provider: p) }
        let markets = try list.enumerated().map { k, item in
            CancelledMarket(id: try string(item["id"], "market[\(k)].id", provider: p),
                            specifiers: item["specifiers"].flatMap { $0.isNull ? nil : ($0.stringValue ?? "") },
                            name: item["name"]?.stringValue ?? "", voidReason: item["void_reason"]?.stringValue ?? "")
        }
        func bound(_ name: String) throws -> Date? {
            guard let v = data[name], !v.isNull else { return nil }
            return try time(v, name, provider: p)
        }
        return BetCancel(eventId: try string(data["event_id"], "event_id", provider: p), markets: markets,
                         start: try bound("start_time"), end: try bound("end_time"),
                         time: try receivedAt ?? time(m["time"] ?? data["timestamp"], "time", provider: p), location: location)
    }

    static func betStop(_ m: JSONValue, receivedAt: Date?, at location: RecordLocation) throws -> BetStop {
        let p = "feed"
        guard let data = m["data"], case .object = data else { throw Failure(reason: "bet_stop has no data object", provider: p) }
        // The stop takes effect when the feed generated it, not when it was logged.
        let stamp = try time(data["timestamp"] ?? m["time"], "timestamp", provider: p)
        return BetStop(eventId: try string(data["event_id"], "event_id", provider: p), groups: data["groups"]?.stringValue ?? "all",
                       marketStatus: data["market_status"]?.stringValue, time: stamp, location: location)
    }
}
