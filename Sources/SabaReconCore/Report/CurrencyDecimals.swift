/// How many decimals a currency's amounts are shown with in the workbook and the page:
/// ISO 4217's minor units, widened to the most decimals any amount of the run actually
/// carries, so a number format never hides a digit that is there.
public enum CurrencyDecimals {
    /// ISO 4217 minor units where they are not 2 (USDT: 2, as wallets book it).
    static let minorUnits: [String: Int] = [
        "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0, "XAF": 0, "XOF": 0, "KMF": 0, "RWF": 0, "GNF": 0, "DJF": 0, "VUV": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    public static func minorUnits(of currency: String) -> Int { minorUnits[currency] ?? 2 }

    /// Decimals `value` needs to be shown exactly (trailing zeros do not count).
    public static func scale(of value: Money) -> Int {
        let text = value.plain(minFractionDigits: 0)
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: dot, to: text.endIndex) - 1
    }

    /// Per currency: its minor units, or more where an amount of `tables` has more.
    public static func table(for tables: [ReportTable]) -> [String: Int] {
        var out: [String: Int] = [:]
        for table in tables {
            for row in table.rows {
                for cell in row {
                    guard case .money(let m, let currency) = cell else { continue }
                    let needed = max(minorUnits(of: currency), scale(of: m))
                    if needed > out[currency] ?? -1 { out[currency] = needed }
                }
            }
        }
        return out
    }
}
