import Foundation

/// `report.html`'s content as plain values (SPEC §8): everything the template shows, with
/// the charts' geometry worked out here so the template only places it. Pure: built from
/// the run's findings, its context and the earlier runs' trend points.
public struct HTMLReport: Sendable {
    /// The page lists this many discrepancies (and pending items); the CSV and the workbook have all.
    public static let tableRowLimit = 2000
    public static let pendingRowLimit = 500
    /// The trend shows this many runs, the newest last.
    public static let trendRuns = 30

    public struct Cell: Sendable, Equatable {
        public var text: String
        public var numeric: Bool
    }

    public struct Row: Sendable, Equatable {
        public var cells: [Cell]
    }

    public struct Table: Sendable, Equatable {
        public var columns: [String]
        public var rows: [Row]
        /// Stored, not computed: the template reads values through reflection.
        public var empty: Bool

        init(columns: [String], rows: [Row]) {
            self.columns = columns
            self.rows = rows
            empty = rows.isEmpty
        }
    }

    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: String
        public var y: Int
        public var textY: Int
        public var width: Int
        public var valueX: Int
    }

    public struct Chart: Sendable, Equatable {
        public var title: String
        public var height: Int
        public var bars: [Bar]
        public var empty: Bool

        init(title: String, height: Int, bars: [Bar]) {
            self.title = title
            self.height = height
            self.bars = bars
            empty = bars.isEmpty
        }
    }

    public struct Column: Sendable, Equatable {
        public var x: Int
        public var y: Int
        public var height: Int
        public var tip: String
        public var current: Bool
        public var failed: Bool
    }

    public struct Trend: Sendable, Equatable {
        public var columns: [Column]
        public var width: Int
        public var peak: Int
        public var table: Table
    }

    public struct CurrencyCard: Sendable, Equatable {
        public var currency: String
        public var count: Int
        public var atStake: String
        public var net: String
    }

    public struct KindCount: Sendable, Equatable {
        public var kind: String
        public var count: Int
    }

    public struct Fact: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public var runId: String
    public var outcome: String
    /// `ok`, `bad` or `failed`: the banner's colour.
    public var outcomeClass: String
    public var headline: String
    public var exitStatus: Int32
    public var facts: [Fact]
    public var cards: [CurrencyCard]
    public var kinds: [KindCount]
    public var kindChart: Chart
    public var currencyChart: Chart
    public var controls: Table
    public var daily: Table
    public var discrepancies: Table
    public var discrepancyCount: Int
    public var discrepanciesShown: Int
    public var shownNote: String?
    public var pending: Table
    public var pendingNote: String?
    public var inputs: Table
    public var trend: Trend
    public var trendNote: String?
    /// What changed since the last night, with the break book on (SPEC §9).
    public var breaks: BreakSection?

    /// `unreadableRuns`: earlier run folders whose manifest could not be read (left out of the trend).
    /// `workbook`: whether discrepancies.xlsx is written beside the page (named where the rest of a long table is).
    /// `breaks`: the night's break report, when the break book is on.
    public init(context: ReportContext, result: Reconciliation, tables: ReportTables, trend earlier: [RunTrendPoint], unreadableRuns: [String] = [],
                workbook: Bool = true, breaks: BreakReport? = nil) {
        let summary = tables.summary(result)
        let daily = tables.daily(result)
        let rows = tables.discrepancies(result)
        let pending = tables.pending(result)
        let decimals = CurrencyDecimals.table(for: [rows, summary, daily])
        func text(_ cell: ReportCell) -> Cell { Self.cell(cell, decimals: decimals) }

        runId = context.runId
        outcome = context.outcome.rawValue
        exitStatus = context.exitStatus
        switch context.outcome {
        case .reconciled: outcomeClass = "ok"; headline = "Reconciled: no discrepancies"
        case .discrepancies: outcomeClass = "bad"; headline = "\(result.rows.count) discrepancies reported"
        case .nothingJudged, .failed: outcomeClass = "failed"; headline = "Not reconciled: \(context.outcome.rawValue.replacingOccurrences(of: "_", with: " "))"
        }
        facts = [
            Fact(name: "Run", value: context.runId),
            Fact(name: "Range (UTC)", value: "\(UTCTime.iso(context.rangeStart)) .. \(UTCTime.iso(context.rangeEnd))"),
            Fact(name: "Now (UTC)", value: UTCTime.iso(context.now)),
            Fact(name: "Exit status", value: String(context.exitStatus)),
            Fact(name: "GetBetDetails calls", value: String(context.windows)),
            Fact(name: "Tickets staged", value: String(context.ticketsStaged)),
            Fact(name: "Tool", value: "saba-recon \(context.toolVersion)"),
        ] + (context.basedOn.map { [Fact(name: "Based on", value: $0)] } ?? [])
          + (context.note.map { [Fact(name: "Note", value: $0)] } ?? [])

        let stake = RunTrendPoint.moneyAtStake(result.rows)
        var net: [String: Money] = [:]
        var perCurrency: [String: Int] = [:]
        for r in result.rows {
            net[r.currency, default: 0] += r.difference ?? 0
            perCurrency[r.currency, default: 0] += 1
        }
        cards = perCurrency.keys.sorted().map { c in
            CurrencyCard(currency: c, count: perCurrency[c] ?? 0, atStake: Self.amount(stake[c] ?? 0, c, decimals),
                         net: Self.amount(net[c] ?? 0, c, decimals))
        }
        let byKind = result.countsByKind
        kinds = byKind.keys.sorted().map { KindCount(kind: $0.rawValue, count: byKind[$0] ?? 0) }
        kindChart = Self.chart("Discrepancies by kind", kinds.map { ($0.kind, $0.count, String($0.count)) })
        currencyChart = Self.chart("Discrepancies by currency (money at stake)", cards.map {
            ($0.currency, $0.count, "\($0.count) · \($0.atStake) \($0.currency)")
        })
        // Rows without a currency (malformed refund records) still get a visible label.
        for i in cards.indices where cards[i].currency.isEmpty { cards[i].currency = "(none)" }
        for i in currencyChart.bars.indices where currencyChart.bars[i].label.isEmpty { currencyChart.bars[i].label = "(none)" }

        // summary.csv's control rows, without the section, kind and total_difference cells they leave empty.
        let controlCells = [1, 3, 5, 6, 7, 8, 9]
        controls = Table(columns: controlCells.map { ReportColumns.summary[$0] },
                         rows: summary.rows.filter { $0.first == .text("control") }.map { r in Row(cells: controlCells.map { text(r[$0]) }) })
        self.daily = Table(columns: daily.columns, rows: daily.rows.map { Row(cells: $0.map(text)) })
        discrepancyCount = rows.rows.count
        let shown = rows.rows.prefix(Self.tableRowLimit)
        discrepanciesShown = shown.count
        // run_id is the page's own: the table starts at window_start.
        discrepancies = Table(columns: Array(rows.columns.dropFirst()), rows: shown.map { Row(cells: $0.dropFirst().map(text)) })
        shownNote = rows.rows.count > shown.count
            ? "The first \(shown.count) of \(rows.rows.count) discrepancies; all are in discrepancies.csv\(workbook ? " and discrepancies.xlsx" : "")." : nil
        let pendingShown = pending.rows.prefix(Self.pendingRowLimit)
        self.pending = Table(columns: pending.columns, rows: pendingShown.map { Row(cells: $0.map(text)) })
        pendingNote = pending.rows.count > pendingShown.count ? "The first \(pendingShown.count) of \(pending.rows.count) pending items; all are in discrepancies.json." : nil
        inputs = Table(columns: ["input", "description", "records", "sha256"], rows: context.inputs.map {
            Row(cells: [Cell(text: $0.name, numeric: false), Cell(text: $0.description, numeric: false),
                        Cell(text: String($0.records), numeric: true), Cell(text: $0.sha256, numeric: false)])
        })
        let current = RunTrendPoint(runId: context.runId, now: context.now, outcome: context.outcome, discrepancies: result.rows.count, moneyAtStake: stake)
        trendNote = unreadableRuns.isEmpty ? nil : "Left out, their manifest.json unreadable: \(unreadableRuns.sorted().joined(separator: ", "))."
        trend = Self.trend(earlier.filter { $0.runId != context.runId }, current: current, decimals: decimals)
        self.breaks = breaks.map { Self.breakSection(rows, report: $0, decimals: decimals) }
    }

    static func cell(_ cell: ReportCell, decimals: [String: Int]) -> Cell {
        switch cell {
        case .text(let s): return Cell(text: s, numeric: false)
        case .integer(let n): return Cell(text: String(n), numeric: true)
        case .money(let m, let c): return Cell(text: amount(m, c, decimals), numeric: true)
        case .time(let d): return Cell(text: UTCTime.iso(d), numeric: false)
        case .day(let d): return Cell(text: MatchPolicy.dayText(d), numeric: false)
        case .empty: return Cell(text: "", numeric: false)
        }
    }

    static func amount(_ m: Money, _ currency: String, _ decimals: [String: Int]) -> String {
        m.plain(minFractionDigits: decimals[currency] ?? CurrencyDecimals.minorUnits(of: currency))
    }

    /// Horizontal bars, longest = 360 px, one 24 px row each.
    static func chart(_ title: String, _ items: [(label: String, value: Int, text: String)]) -> Chart {
        let peak = max(1, items.map(\.value).max() ?? 1)
        let bars = items.enumerated().map { i, item in
            let width = item.value > 0 ? max(2, Int(Int128(item.value) * 360 / Int128(peak))) : 0
            return Bar(label: item.label, value: item.text, y: i * 24, textY: i * 24 + 15, width: width, valueX: 250 + width + 6)
        }
        return Chart(title: title, height: max(24, bars.count * 24), bars: bars)
    }

    /// The last runs of this report folder, oldest first, this run last.
    static func trend(_ earlier: [RunTrendPoint], current: RunTrendPoint, decimals: [String: Int]) -> Trend {
        let sorted = earlier.sorted { ($0.now, $0.runId) < ($1.now, $1.runId) }
        let points = Array(sorted.suffix(trendRuns - 1)) + [current]
        let peak = max(1, points.map(\.discrepancies).max() ?? 1)
        let columns = points.enumerated().map { i, p in
            // In 128 bits: a count read back from an earlier manifest cannot overflow the scaling.
            let h = p.discrepancies > 0 ? max(2, Int(Int128(p.discrepancies) * 120 / Int128(peak))) : 0
            return Column(x: 40 + i * 22, y: 130 - h, height: h, tip: "\(p.runId): \(p.discrepancies) discrepancies, \(p.outcome.rawValue)",
                          current: p.runId == current.runId, failed: p.outcome != .reconciled && p.outcome != .discrepancies)
        }
        let rows = points.reversed().map { p in
            let stake = p.moneyAtStake.keys.sorted().map { "\(amount(p.moneyAtStake[$0] ?? 0, $0, decimals)) \($0.isEmpty ? "(none)" : $0)" }.joined(separator: ", ")
            return Row(cells: [Cell(text: p.runId, numeric: false), Cell(text: UTCTime.iso(p.now), numeric: false), Cell(text: p.outcome.rawValue, numeric: false),
                               Cell(text: String(p.discrepancies), numeric: true), Cell(text: stake, numeric: false)])
        }
        return Trend(columns: columns, width: 40 + points.count * 22 + 10, peak: peak,
                     table: Table(columns: ["run", "now (UTC)", "outcome", "discrepancies", "money at stake"], rows: rows))
    }
}
