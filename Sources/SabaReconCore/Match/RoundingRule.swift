/// SPEC §2's comparison of one currency's amounts: a wallet books whole minor units, so an
/// exact amount with more decimals than that (a stake at risk of 13.5285 USD) can only be
/// booked rounded, either way, and matches a ledger amount less than one minor unit away.
/// An amount that fits compares exactly. The currency's tolerance widens both.
public struct RoundingRule: Sendable, Equatable {
    public var decimals: Int
    public var tolerance: Money
    /// One minor unit (0.01 for 2 decimals).
    public let unit: Money

    public init(decimals: Int, tolerance: Money = .zero) {
        self.decimals = decimals
        self.tolerance = tolerance
        unit = Money.minorUnit(decimals: decimals)
    }

    public func fits(_ amount: Money) -> Bool { amount.units % unit.units == 0 }

    /// Whether `ledger` is what `expected` calls for. `booked`: the exact amounts the wallet
    /// had to book as separate rows to reach `expected` (a bet and its payout); each one that
    /// does not fit was rounded on its own and adds less than a minor unit of slack.
    public func matches(_ ledger: Money, _ expected: Money, booked: [Money]) -> Bool {
        let gap = (ledger - expected).magnitude
        if gap <= tolerance { return true }
        var rounded = 0
        for amount in booked where !fits(amount) { rounded += 1 }
        return rounded > 0 && gap < unit * rounded + tolerance
    }

    /// One booked amount: `expected` itself.
    public func matches(_ ledger: Money, _ expected: Money) -> Bool {
        matches(ledger, expected, booked: [expected])
    }
}
