import Foundation
import SabaReconCore

/// A ticket's `resettles[]` as one short JSON text (most tickets have none): in a shared
/// store's ticket lines (`TicketLine`), and in a `run.sqlite` written before the tickets'
/// blobs (`RunStore.moveTicketsIntoBodies`): `[{"d":unix|null,"b":bool,"s":"status","p":"exact amount"}]`.
enum ResettleText {
    static func encode(_ list: [Resettle]) -> String {
        let items = list.map { r -> String in
            let date = r.resettleDate.map { String($0.timeIntervalSince1970) } ?? "null"
            return "{\"d\":\(date),\"b\":\(r.balanceChange),\"s\":\(JSONValue.quote(r.status.description)),\"p\":\"\(r.reSettlePrice.compact)\"}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }

    static func decode(_ text: String?) throws -> [Resettle] {
        guard let text, case .array(let items) = try JSONValue.parse(text) else { return [] }
        return try items.map { item in
            let date: Date? = {
                if case .number(let n)? = item["d"], let s = Double(n) { return Date(timeIntervalSince1970: s) }
                return nil
            }()
            let changed: Bool = { if case .bool(let b)? = item["b"] { return b }; return false }()
            guard let price = item["p"]?.stringValue.flatMap({ Money.parse($0) }) else {
                throw RunStoreError("run store: a staged resettle has no readable reSettlePrice: \(text.prefix(200))")
            }
            return Resettle(resettleDate: date, balanceChange: changed, status: TicketStatus(item["s"]?.stringValue ?? ""), reSettlePrice: price)
        }
    }
}
