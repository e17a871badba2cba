/// How many decimals a currency's amounts are shown with in the workbook and the page:
/// ISO 4217's minor units, widened to the most decimals any amount of the run actually
/// carries, so a number format never hides a digit that is there.
public enum CurrencyDecimals {
    public static func minorUnits(of currency: String) -> Int { CurrencyTable.isoMinorUnits(of: currency) }

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
