import Foundation

/// SPEC §2: how far a ledger amount may be from the expected one on top of rounding: one
/// amount for every currency, and/or one per ISO code (`0.01`, `USD=0.01,VND=1`,
/// `0.5,VND=1`). One amount for all would either miss 0.99 USD or flag VND rounding.
public struct ToleranceTable: Sendable, Equatable, CustomStringConvertible {
    /// For every currency not named in `perCurrency`.
    public var all: Money
    public var perCurrency: [String: Money]

    public init(all: Money = .zero, perCurrency: [String: Money] = [:]) {
        self.all = all
        self.perCurrency = perCurrency
    }

    public static let exact = ToleranceTable()

    public subscript(currency: String) -> Money {
        perCurrency.isEmpty ? all : (perCurrency[currency] ?? all)
    }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// `AMOUNT`, `CODE=AMOUNT[,CODE=AMOUNT…]` or both; amounts non-negative and exact.
    public static func parse(_ text: String) throws -> ToleranceTable {
        var table = ToleranceTable()
        var sawAll = false
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty, !(parts.count == 1 && parts[0].isEmpty) else { throw Invalid(description: "empty") }
        for part in parts {
            guard !part.isEmpty else { throw Invalid(description: "an empty entry between commas") }
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let amountText = pair.count == 2 ? pair[1] : pair[0]
            guard let amount = Money.parse(amountText), amount >= .zero else {
                throw Invalid(description: "'\(amountText)' is not a non-negative decimal amount")
            }
            if pair.count == 2 {
                let code = pair[0].uppercased()
                guard (2...8).contains(code.unicodeScalars.count), code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) }) else {
                    throw Invalid(description: "'\(pair[0])' is not a currency code such as USD")
                }
                guard table.perCurrency[code] == nil else { throw Invalid(description: "\(code) is given twice") }
                table.perCurrency[code] = amount
            } else {
                guard !sawAll else { throw Invalid(description: "two amounts for every currency ('\(part)')") }
                sawAll = true
                table.all = amount
            }
        }
        return table
    }

    /// The canonical text (`0.01,VND=1`): the setting's own form, so it reads back the same.
    public var description: String {
        ([all.compact] + perCurrency.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.compact)" }).joined(separator: ",")
    }

    /// The manifest's form: `*` for every other currency, then each code.
    public var inForce: [String: String] {
        var out = ["*": all.plain()]
        for (code, amount) in perCurrency { out[code] = amount.plain() }
        return out
    }
}
