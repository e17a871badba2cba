import Foundation

/// The rules in force for one run: what is judged, how young is too young, and how
/// exact money comparisons are. All of it is written to the manifest.
public struct MatchPolicy: Sendable {
    public var plan: WindowPlan
    public var now: Date
    /// Tickets younger than this are `pending`, not discrepancies.
    public var grace: TimeInterval
    /// Money tolerance in ledger units on top of rounding (SPEC §2), per currency; zero means exact.
    public var tolerances: ToleranceTable
    public var currencies: CurrencyTable
    /// What the wallet debits at placement: the stake at risk, or the nominal stake.
    public var stakeBasis: StakeBasis = .actual
    /// Seconds east of UTC of the accounting day `daily.csv` counts tickets on (0 = UTC).
    public var accountingOffset: Int = 0

    public init(plan: WindowPlan, now: Date, grace: TimeInterval = 15 * 60, tolerances: ToleranceTable = .exact,
                currencies: CurrencyTable = .builtIn, stakeBasis: StakeBasis = .actual) {
        self.plan = plan
        self.now = now
        self.grace = grace
        self.tolerances = tolerances
        self.currencies = currencies
        self.stakeBasis = stakeBasis
    }

    /// How amounts of a ledger currency (an ISO code) are compared.
    public func rounding(_ currency: String) -> RoundingRule {
        RoundingRule(decimals: currencies.decimals(of: currency), tolerance: tolerances[currency])
    }

    /// Days since 1970-01-01 of `date` in the accounting zone.
    public func accountingDayNumber(_ date: Date) -> Int {
        Int(((date.timeIntervalSince1970 + Double(accountingOffset)) / 86_400).rounded(.down))
    }

    /// `YYYY-MM-DD` of a day number.
    public static func dayText(_ day: Int) -> String {
        UTCTime.day(Date(timeIntervalSince1970: Double(day) * 86_400))
    }

    public func isPending(_ date: Date) -> Bool { date > now.addingTimeInterval(-grace) }
}
