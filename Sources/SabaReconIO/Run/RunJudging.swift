import Foundation
import SabaReconCore

/// The settings that decide a run's verdicts and what its reports hold. They are fixed when
/// the run is created and recorded with it (`run.json`, the store's run row), so a resumed
/// run, a rediff and every process of a shared run judge alike, whatever their own
/// configuration says: two workers started with different configs must not publish
/// whichever the last one had. A process whose own settings differ says so (stderr and the
/// manifest's `setting_differences`); a rediff may change them on purpose, with flags.
public struct RunJudging: Sendable, Equatable, Codable {
    public var grace: TimeInterval
    /// SPEC §2: tolerance on top of rounding, per currency.
    public var tolerances: ToleranceTable
    public var stakeBasis: StakeBasis
    /// Seconds east of UTC of the accounting day (daily.csv).
    public var accountingOffset: Int
    /// How long after a `bet_stop` an accepted feed bet is reported.
    public var betStopWindow: TimeInterval
    /// Refund-record files or folders (SPEC 1.4); empty = no refund checks.
    public var refundPaths: [String]
    public var byteOrderMark: Bool
    /// discrepancies.xlsx and report.html (SPEC §8).
    public var workbook: Bool
    public var html: Bool
    /// The currency table (Saba id -> code, scale, decimals), the built-in one with the
    /// config file's `currencies:` over it. Nil in records written before it was recorded.
    public var currencies: CurrencyTable?
    /// SHA-256 of the market groups the run was created with: too large to record whole, so
    /// a different file is named, not replaced.
    public var marketGroupsDigest: String?
    /// The break book (SPEC §9) and what exit status 1 means with it: one book and one
    /// rule for a run, whichever process publishes it. Nil in records written before they
    /// were recorded (this process's are used).
    public var breakBook: BreakBookLocation?
    public var failOn: FailOn?

    public init(grace: TimeInterval = 900, tolerances: ToleranceTable = .exact, stakeBasis: StakeBasis = .actual, accountingOffset: Int = 0,
                betStopWindow: TimeInterval = 60, refundPaths: [String] = [], byteOrderMark: Bool = false, workbook: Bool = true, html: Bool = true,
                currencies: CurrencyTable? = nil, marketGroupsDigest: String? = nil, breakBook: BreakBookLocation? = nil, failOn: FailOn? = nil) {
        self.breakBook = breakBook
        self.failOn = failOn
        self.currencies = currencies
        self.marketGroupsDigest = marketGroupsDigest
        self.grace = grace
        self.tolerances = tolerances
        self.stakeBasis = stakeBasis
        self.accountingOffset = accountingOffset
        self.betStopWindow = betStopWindow
        self.refundPaths = refundPaths
        self.byteOrderMark = byteOrderMark
        self.workbook = workbook
        self.html = html
    }

    /// Each field under its `SettingKey`, so a difference names the setting an operator sets.
    enum CodingKeys: String, CodingKey {
        case grace, tolerance, stakeBasis = "stake_basis", accountingOffset = "accounting_offset_seconds",
             betStopWindow = "bet_stop_window", refundPaths = "refunds", byteOrderMark = "csv_bom", workbook = "xlsx", html,
             currencies, marketGroupsDigest = "market_groups_sha256", breakBook = "break_book", failOn = "fail_on"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        grace = try c.decode(Double.self, forKey: .grace)
        let tolerance = try c.decode(String.self, forKey: .tolerance)
        do { tolerances = try ToleranceTable.parse(tolerance) } catch {
            throw DecodingError.dataCorruptedError(forKey: .tolerance, in: c, debugDescription: "not a tolerance: \(error)")
        }
        let basis = try c.decode(String.self, forKey: .stakeBasis)
        guard let known = StakeBasis(rawValue: basis) else {
            throw DecodingError.dataCorruptedError(forKey: .stakeBasis, in: c, debugDescription: "not a stake basis")
        }
        stakeBasis = known
        accountingOffset = try c.decode(Int.self, forKey: .accountingOffset)
        betStopWindow = try c.decode(Double.self, forKey: .betStopWindow)
        refundPaths = try c.decode([String].self, forKey: .refundPaths)
        byteOrderMark = try c.decode(Bool.self, forKey: .byteOrderMark)
        workbook = try c.decode(Bool.self, forKey: .workbook)
        html = try c.decode(Bool.self, forKey: .html)
        if let entries = try c.decodeIfPresent([Int: CurrencyInfo].self, forKey: .currencies) {
            guard entries.count <= 1000, entries.values.allSatisfy({ $0.code.utf8.count <= 16 && (1...1_000_000).contains($0.scale) && (0...8).contains($0.decimals) }) else {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "the currency table is out of range"))
            }
            currencies = CurrencyTable(entries: entries)
        }
        marketGroupsDigest = try c.decodeIfPresent(String.self, forKey: .marketGroupsDigest)
        breakBook = try c.decodeIfPresent(BreakBookLocation.self, forKey: .breakBook)
        if let rule = try c.decodeIfPresent(String.self, forKey: .failOn) {
            guard let known = FailOn(rawValue: rule) else {
                throw DecodingError.dataCorruptedError(forKey: .failOn, in: c, debugDescription: "not a fail_on rule")
            }
            failOn = known
        }
        // A damaged or planted record must not widen the verdicts (SPEC §6): the bounds a flag has.
        guard grace >= 0, grace <= 86_400, abs(accountingOffset) <= 18 * 3600, betStopWindow >= 0, betStopWindow <= 86_400, refundPaths.count <= 1000 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "a judging setting is out of range"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(grace, forKey: .grace)
        try c.encode(tolerances.description, forKey: .tolerance)
        try c.encode(stakeBasis.rawValue, forKey: .stakeBasis)
        try c.encode(accountingOffset, forKey: .accountingOffset)
        try c.encode(betStopWindow, forKey: .betStopWindow)
        try c.encode(refundPaths, forKey: .refundPaths)
        try c.encode(byteOrderMark, forKey: .byteOrderMark)
        try c.encode(workbook, forKey: .workbook)
        try c.encode(html, forKey: .html)
        try c.encodeIfPresent(currencies?.entries, forKey: .currencies)
        try c.encodeIfPresent(marketGroupsDigest, forKey: .marketGroupsDigest)
        try c.encodeIfPresent(breakBook, forKey: .breakBook)
        try c.encodeIfPresent(failOn?.rawValue, forKey: .failOn)
    }

    /// Each setting by its `SettingKey` name, as an operator would write it.
    var shown: [(key: SettingKey, value: String)] {
        [(.grace, DurationText.formatExact(grace)), (.tolerance, tolerances.description), (.stakeBasis, stakeBasis.rawValue),
         (.accountingTz, DurationText.formatOffset(accountingOffset)), (.betStopWindow, DurationText.formatExact(betStopWindow)),
         (.refunds, refundPaths.joined(separator: ",")), (.csvBom, String(byteOrderMark)), (.xlsx, String(workbook)), (.html, String(html)),
         (.breakBook, breakBook?.description ?? ""), (.failOn, failOn?.rawValue ?? "")]
    }

    /// One line per setting this process would have used differently: `grace: the run's 15m, this process's 1h`.
    public func differences(from mine: RunJudging) -> [String] {
        var lines = zip(shown, mine.shown).compactMap { run, own in
            // A record from before a setting was recorded: this process's is used, silently.
            run.value == own.value || run.value.isEmpty && [.breakBook, .failOn].contains(run.key) ? nil : "\(run.key.name): the run's \(run.value.isEmpty ? "(none)" : run.value), this process's \(own.value.isEmpty ? "(none)" : own.value)"
        }
        if let run = currencies, let own = mine.currencies, run != own {
            let ids = Set(run.entries.keys).union(own.entries.keys).filter { run.entries[$0] != own.entries[$0] }.sorted()
            lines.append("currencies: the run's table differs from this process's for Saba id\(ids.count == 1 ? "" : "s") \(ids.prefix(10).map(String.init).joined(separator: ", "))")
        }
        if marketGroupsDigest != mine.marketGroupsDigest {
            // Not recorded whole: this process's file is used, and the difference named.
            lines.append("market_groups: the run was created with \(marketGroupsDigest.map { "sha256 \($0.prefix(12))" } ?? "none"), this process has \(mine.marketGroupsDigest.map { "sha256 \($0.prefix(12))" } ?? "none") (this process's is used)")
        }
        return lines
    }

    /// These settings with the ones named in `keys` taken from `other` (a rediff's flags).
    public func overriding(_ keys: Set<SettingKey>, with other: RunJudging) -> RunJudging {
        var out = self
        if keys.contains(.grace) { out.grace = other.grace }
        if keys.contains(.tolerance) { out.tolerances = other.tolerances }
        if keys.contains(.stakeBasis) { out.stakeBasis = other.stakeBasis }
        if keys.contains(.accountingTz) { out.accountingOffset = other.accountingOffset }
        if keys.contains(.betStopWindow) { out.betStopWindow = other.betStopWindow }
        if keys.contains(.refunds) { out.refundPaths = other.refundPaths }
        if keys.contains(.csvBom) { out.byteOrderMark = other.byteOrderMark }
        if keys.contains(.xlsx) { out.workbook = other.workbook }
        if keys.contains(.html) { out.html = other.html }
        if keys.contains(.breakBook) || out.breakBook == nil { out.breakBook = other.breakBook }
        if keys.contains(.failOn) || out.failOn == nil { out.failOn = other.failOn }
        // Not a flag: always this process's (named in the differences when it is not the run's).
        out.marketGroupsDigest = other.marketGroupsDigest
        return out
    }
}
