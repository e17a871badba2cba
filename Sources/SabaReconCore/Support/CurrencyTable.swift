import Foundation

/// One Saba currency id: its ISO code, how Saba scales its amounts, and the minor unit the
/// wallet books in (SPEC §2's rounding).
public struct CurrencyInfo: Sendable, Equatable, Codable {
    public var code: String
    /// Saba reports some currencies in thousands: multiply by this before comparing with the ledger.
    public var scale: Int
    /// Decimals of the currency's minor unit as a wallet books it: 2 for USD, 0 for JPY, KRW
    /// and the thousand-unit currencies (Saba's thousands of VND are booked in whole dong).
    public var decimals: Int

    public init(code: String, scale: Int = 1, decimals: Int? = nil) {
        self.code = code
        self.scale = scale
        self.decimals = decimals ?? (scale > 1 ? 0 : CurrencyTable.isoMinorUnits(of: code))
    }
}

/// Saba's integer currency ids (SPEC 1.1), overridable from config.
public struct CurrencyTable: Sendable, Equatable {
    public var entries: [Int: CurrencyInfo] {
        didSet { decimalsByCode = Self.index(entries) }
    }
    /// ISO code -> decimals, built once: looked up for every judged ticket.
    private var decimalsByCode: [String: Int]

    public init(entries: [Int: CurrencyInfo]) {
        self.entries = entries
        decimalsByCode = Self.index(entries)
    }

    static func index(_ entries: [Int: CurrencyInfo]) -> [String: Int] {
        // Two ids may share a code (a test currency); the smaller id decides, so it is deterministic.
        var out: [String: Int] = [:]
        for (_, info) in entries.sorted(by: { $0.key > $1.key }) { out[info.code] = info.decimals }
        return out
    }

    public static func == (a: CurrencyTable, b: CurrencyTable) -> Bool { a.entries == b.entries }

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

    /// ISO 4217 minor units where they are not 2 (USDT: 2, as wallets book it). The one list of
    /// them: the matcher's rounding and the workbook's number formats both read it.
    static let isoMinorUnits: [String: Int] = [
        "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0, "XAF": 0, "XOF": 0, "KMF": 0, "RWF": 0, "GNF": 0, "DJF": 0, "VUV": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    public static func isoMinorUnits(of code: String) -> Int { isoMinorUnits[code] ?? 2 }

    /// Decimals a wallet books `code` in: the table's entry for that ISO code (so a config
    /// override counts), else ISO 4217's minor units. The ledger's currency is an ISO code.
    public func decimals(of code: String) -> Int {
        decimalsByCode[code] ?? Self.isoMinorUnits(of: code)
    }

    /// Returns a copy with `overrides` replacing or adding ids.
    public func merging(_ overrides: [Int: CurrencyInfo]) -> CurrencyTable {
        CurrencyTable(entries: entries.merging(overrides) { _, new in new })
    }
}
