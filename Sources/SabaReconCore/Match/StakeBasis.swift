/// What the wallet debits when a bet is placed (SPEC §2, setting `stake_basis`).
public enum StakeBasis: String, Sendable, Equatable, CaseIterable {
    /// The stake at risk: `stake × |price|` for a negative Malay or Indo price, `/ 100` for a
    /// negative American one (Saba's seamless wallet sends it as `actualAmount`).
    case actual
    /// The nominal stake whatever the price, for a wallet that books it that way.
    case nominal
}
