import Foundation

/// One Saba currency id: its ISO code and how Saba scales its amounts.
public struct CurrencyInfo: Sendable, Equatable, Codable {
    public var code: String
    /// Saba reports some currencies in thousands: multiply by this before comparing with the ledger.
    public var scale: Int

    public init(code: String, scale: Int = 1) {
        self.code = code
        self.scale = scale
    }
}

/// Saba's integer currency ids (SPEC 1.1), overridable from config.
public struct CurrencyTable: Sendable, Equatable {
    public var entries: [Int: CurrencyInfo]

    public init(entries: [Int: CurrencyInfo]) {
        self.entries = entries
    }

    public subscript(id: Int) -> CurrencyInfo? { entries[id] }

    public static let builtIn = CurrencyTable(entries: [
        2: CurrencyInfo(code: "MYR"),
        3: CurrencyInfo(code: "USD"),
        4: CurrencyInfo(code: "THB"),
        6: CurrencyInfo(code: "EUR"),
        12: CurrencyInfo(code: "GBP"),
        13: CurrencyInfo(code: "CNY"),
        15: CurrencyInfo(code: "IDR", scale: 1000),
        20: CurrencyInfo(code: "UUS"),
        32: CurrencyInfo(code: "JPY"),
        42: CurrencyInfo(code: "PHP"),
        45: CurrencyInfo(code: "KRW"),
        51: CurrencyInfo(code: "VND", scale: 1000),
        61: CurrencyInfo(code: "INR"),
        70: CurrencyInfo(code: "MMK", scale: 1000),
        71: CurrencyInfo(code: "KHR", scale: 1000),
        82: CurrencyInfo(code: "BRL"),
        93: CurrencyInfo(code: "LAK", scale: 1000),
        96: CurrencyInfo(code: "USDT"),
        97: CurrencyInfo(code: "BDT"),
    ])

    /// Returns a copy with `overrides` replacing or adding ids.
    public func merging(_ overrides: [Int: CurrencyInfo]) -> CurrencyTable {
        CurrencyTable(entries: entries.merging(overrides) { _, new in new })
    }
}
