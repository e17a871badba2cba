import Foundation

/// SPEC §2: what the player risks on a ticket, in Saba's units, and how it was found.
/// At a negative Malay or Indo price the player risks `stake × |price|` to win `stake`
/// (Malay -0.80 on 100 debits 80; Indo -1.25 debits 125); at a negative American price
/// `stake × |price| / 100`; otherwise the stake.
public struct StakeAtRisk: Sendable, Equatable {
    public var amount: Money
    /// "Malay -0.80" when a negative price decided it; nil when it is the stake.
    public var odds: String?

    public init(amount: Money, odds: String? = nil) {
        self.amount = amount
        self.odds = odds
    }

    /// Saba's `oddsType` codes (GetBetDetails page).
    public static let malay: Int64 = 1
    public static let indo: Int64 = 4
    public static let american: Int64 = 5

    public static func of(_ t: Ticket, basis: StakeBasis) -> Result<StakeAtRisk, ExpectedNet.Missing> {
        guard basis == .actual, let price = t.price, price < .zero, let odds = t.oddsType,
              odds == malay || odds == indo || odds == american else {
            return .success(StakeAtRisk(amount: t.stake))
        }
        guard let product = t.stake.multiplied(by: price.magnitude) else {
            return .failure(ExpectedNet.Missing(description: "stake \(t.stake) times price \(price) is out of range"))
        }
        let name = odds == malay ? "Malay" : odds == indo ? "Indo" : "American"
        let amount = odds == american ? product.dividedRounding(byPowerOfTen: 2) : product
        return .success(StakeAtRisk(amount: amount, odds: "\(name) \(Money.format(price, minFractionDigits: odds == american ? 0 : 2))"))
    }
}
