import Foundation

/// SPEC §2: what a ticket should have cost the player, in Saba's units.
public enum ExpectedNet {
    public struct Missing: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Net of the ticket's ledger entries that the provider's current fields call for, with
    /// `risk` the stake at risk (`StakeAtRisk`).
    public static func of(_ t: Ticket, risk: Money) -> Result<Money, Missing> {
        if t.alreadyCashout {
            guard let price = t.cashoutPrice else { return .failure(Missing(description: "alreadyCashout is true but cashoutPrice is missing")) }
            return .success(price - risk)
        }
        switch t.status {
        case .waiting, .running:
            return .success(-risk)
        case .won, .lose, .draw, .halfWon, .halfLose:
            guard let price = t.settlementPrice else { return .failure(Missing(description: "settled ticket (\(t.status)) has no settlementPrice")) }
            return .success(price)
        case .void, .refund, .reject:
            return .success(0)
        case .unknown(let s):
            return .failure(Missing(description: "status '\(s)' is not a documented Saba status"))
        }
    }

    /// The nominal stake's net (`stake_basis: nominal`, and tests).
    public static func of(_ t: Ticket) -> Result<Money, Missing> { of(t, risk: t.stake) }

    /// The balance-changing resettles in the order they happened: by `resettleDate`, not by
    /// their place in the array (an undated one keeps its place, before the dated ones).
    public static func balanceChanges(_ t: Ticket) -> [Resettle] {
        t.resettles.enumerated().filter { $0.element.balanceChange }
            .sorted { a, b in
                let (da, db) = (a.element.resettleDate ?? .distantPast, b.element.resettleDate ?? .distantPast)
                return da != db ? da < db : a.offset < b.offset
            }
            .map(\.element)
    }

    /// The net the wallet showed before the last balance-changing resettle, if any.
    public static func beforeLastResettle(_ t: Ticket) -> Money? {
        balanceChanges(t).last?.reSettlePrice
    }
}
