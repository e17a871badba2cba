import Foundation

/// SPEC §2: what a ticket should have cost the player, in Saba's units.
public enum ExpectedNet {
    public struct Missing: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Net of the ticket's ledger entries that the provider's current fields call for.
    public static func of(_ t: Ticket) -> Result<Money, Missing> {
        if t.alreadyCashout {
            guard let price = t.cashoutPrice else { return .failure(Missing(description: "alreadyCashout is true but cashoutPrice is missing")) }
            return .success(price - t.stake)
        }
        switch t.status {
        case .waiting, .running:
            return .success(-t.stake)
        case .won, .lose, .draw, .halfWon, .halfLose:
            guard let price = t.settlementPrice else { return .failure(Missing(description: "settled ticket (\(t.status)) has no settlementPrice")) }
            return .success(price)
        case .void, .refund, .reject:
            return .success(0)
        case .unknown(let s):
            return .failure(Missing(description: "status '\(s)' is not a documented Saba status"))
        }
    }

    /// The net the wallet showed before the last balance-changing resettle, if any.
    public static func beforeLastResettle(_ t: Ticket) -> Money? {
        t.resettles.last(where: { $0.balanceChange })?.reSettlePrice
    }
}
