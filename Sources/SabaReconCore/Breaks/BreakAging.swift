import Foundation

/// The aging of the open breaks (SPEC §9, `breaks.csv`): per currency and age bucket, how
/// many and the sum of |difference|, with the acknowledged ones apart.
public enum BreakAging {
    public static let buckets: [(name: String, days: ClosedRange<Int>)] = [
        ("0-1d", 0...1), ("2-7d", 2...7), ("8-30d", 8...30), ("31-90d", 31...90), (">90d", 91...Int.max),
    ]

    public struct Row: Sendable, Equatable {
        public var currency: String
        public var bucket: String
        public var open: Int
        public var openAmount: Money
        public var acknowledged: Int
        public var acknowledgedAmount: Money
    }

    /// Rows for every currency and bucket that holds an open break, in currency then bucket order.
    public static func rows(_ book: BreakBook, today: Int) -> [Row] {
        var table: [String: [Row]] = [:]
        for record in book.breaks.values where !record.isResolved {
            let age = max(0, today - record.firstSeen)
            guard let b = buckets.firstIndex(where: { $0.days.contains(age) }) else { continue }
            var rows = table[record.currency] ?? buckets.map { Row(currency: record.currency, bucket: $0.name, open: 0, openAmount: .zero, acknowledged: 0, acknowledgedAmount: .zero) }
            let amount = record.lastDifference?.magnitude ?? .zero
            if record.acknowledgement != nil {
                rows[b].acknowledged += 1
                rows[b].acknowledgedAmount = rows[b].acknowledgedAmount + amount
            } else {
                rows[b].open += 1
                rows[b].openAmount = rows[b].openAmount + amount
            }
            table[record.currency] = rows
        }
        return table.keys.sorted().flatMap { table[$0]?.filter { $0.open + $0.acknowledged > 0 } ?? [] }
    }
}
