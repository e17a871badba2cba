import Foundation
import Logging
import SabaReconCore

/// The effective settings, checked and typed: every run and `config check` go through here,
/// so what `config check` accepts is exactly what a run accepts. Defaults are not written
/// here: each is `SettingKey`'s, read through `Settings.value`.
public struct JobSettings: Sendable {
    public enum Token: Sendable {
        case environment(String)
        case file(String)
        case login(vendorId: String, memberId: String, refreshBefore: TimeInterval)
        case none

        /// Where the token comes from, without the token.
        public func describe(apiURL: String?) -> String {
            switch self {
            case .environment: "SABA_JWT (exp checked before each request)"
            case .file(let path): "file \(path) (read again when it changes)"
            case .login(_, let member, let before):
                "POST \(apiURL.map { CommandLineRedactor.redactURLPassword($0) } ?? "<api_url>")/login as vendor_member_id '\(member)', logging in again \(DurationText.format(before)) before exp"
            case .none: "none"
            }
        }
    }

    public enum ProgressMode: String, Sendable { case auto, always, never }

    /// A setting that reads well but cannot be used (an unreadable market-groups file).
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public var settings: Settings
    public var apiURL: String?
    public var apiVersion: String
    public var apiUtcOffset: Int
    public var forwardedFor: String?
    public var token: Token
    public var ledger: LedgerLocation
    public var ledgerTable: String
    public var ledgerStatementTimeout: TimeInterval
    /// The shared run store (SPEC 7); nil: this process alone, with run.sqlite.
    public var store: String?
    public var lease: TimeInterval
    /// libpq-style connection settings of a PostgreSQL ledger, resolved once (for `config check`).
    public var postgres: PostgresSettings?
    /// `pg_password_file`: the PostgreSQL password (ledger and store) from a file.
    public var pgPasswordFile: String?
    public var out: String
    public var grace: TimeInterval
    public var accountingOffset: Int
    public var tolerances: ToleranceTable
    public var stakeBasis: StakeBasis
    public var refunds: [String]
    public var fetchTimeout: Int
    public var fetchMaxBytes: Int
    public var refundMaxBytes: Int
    public var refundMaxMalformed: Int
    public var refundMaxLines: Int
    public var betStopWindow: TimeInterval
    /// Market id -> group, read from the market_groups file.
    public var marketGroups: [String: String] = [:]
    public var csvBom: Bool
    public var xlsx: Bool
    public var html: Bool
    public var keepRuns: Int?
    public var maxAttempts: Int
    /// GetBetDetails calls in flight together in one process (SPEC §1.1).
    public var fetchConcurrency: Int
    public var logLevel: Logger.Level
    public var logJSON: Bool
    public var progress: ProgressMode
    public var metricsFile: String?
    public var deadmanURL: String?
    public var nightlyDays: Int
    /// The break book (SPEC §9) as a run records it: a shared run's publisher resolves it
    /// against its own root or store.
    public var breakBook: BreakBookLocation
    public var failOn: FailOn

    /// `needsProvider`: run and nightly need the API URL and a token; rediff needs neither.
    public init(_ s: Settings, environment: [String: String], needsProvider: Bool) throws {
        settings = s
        apiURL = try s.url(.apiURL, allowHTTP: true)
        apiVersion = try s.value(.apiVersion, s.text)
        guard apiVersion.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else {
            throw SettingError(key: SettingKey.apiVersion.name, source: s.source(.apiVersion), message: "'\(apiVersion)' is not a version path segment such as v1")
        }
        apiUtcOffset = try s.hourOffset(.apiUtcOffset)
        forwardedFor = s.text(.forwardedFor)
        // Which token: a --jwt-file flag, then SABA_JWT, then jwt_file from env or config, then a login.
        let jwtEnv = environment["SABA_JWT"].flatMap { $0.isEmpty ? nil : $0 }
        let jwtFile = s.text(.jwtFile)
        if case .flag? = s.source(.jwtFile), let jwtFile {
            token = .file(jwtFile)
        } else if let jwtEnv {
            token = .environment(jwtEnv)
        } else if let jwtFile {
            token = .file(jwtFile)
        } else if let vendor = s.text(.vendorId) {
            token = .login(vendorId: vendor, memberId: s.text(.vendorMemberId) ?? "", refreshBefore: try s.value(.refreshBefore, s.duration))
        } else {
            token = .none
        }
        do {
            ledger = try LedgerLocation(try s.value(.ledger, s.text))
        } catch let error as LedgerLocation.Invalid {
            throw SettingError(key: SettingKey.ledger.name, source: s.source(.ledger), message: error.description)
        }
        ledgerTable = try s.value(.ledgerTable, s.text)
        ledgerStatementTimeout = try s.value(.ledgerStatementTimeout, s.duration)
        // PostgreSQL's statement_timeout holds at most 2147483647 ms (24.8 days).
        guard ledgerStatementTimeout >= 1, ledgerStatementTimeout <= 2_147_483 else {
            throw SettingError(key: SettingKey.ledgerStatementTimeout.name, source: s.source(.ledgerStatementTimeout),
                               message: "'\(s.text(.ledgerStatementTimeout) ?? "")' is not from one second to 24 days; expected \(SettingKey.ledgerStatementTimeout.expects)")
        }
        store = try Self.storeURL(s)
        lease = try s.value(.lease, s.duration)
        guard lease >= 5 else {
            throw SettingError(key: SettingKey.lease.name, source: s.source(.lease), message: "'\(s.text(.lease) ?? "")' is under 5 seconds; expected \(SettingKey.lease.expects)")
        }
        pgPasswordFile = s.text(.pgPasswordFile)
        if case .postgres(let url) = ledger {
            do {
                postgres = try PostgresSettings.resolve(url: url, environment: ProcessInfo.processInfo.environment, passwordFile: pgPasswordFile)
            } catch let error as LedgerError {
                throw SettingError(key: SettingKey.ledger.name, source: s.source(.ledger), message: error.description)
            }
        }
        out = try s.value(.out, s.text)
        grace = try s.value(.grace) { try s.duration($0, atMost: 86_400, because: "a longer grace judges almost nothing and would report an empty night as reconciled") }
        tolerances = try s.value(.tolerance, s.tolerances)
        stakeBasis = try s.value(.stakeBasis) { try s.choice($0, StakeBasis.allCases.map(\.rawValue)).flatMap(StakeBasis.init(rawValue:)) }
        // Absolute: a run records them, and a resume or a shared run's publisher may start elsewhere.
        refunds = s.list(.refunds).map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let tz = try s.value(.accountingTz, s.text)
        guard let offset = DurationText.parseOffset(tz) else {
            throw SettingError(key: SettingKey.accountingTz.name, source: s.source(.accountingTz),
                               message: "'\(tz)' is not an offset from UTC; expected \(SettingKey.accountingTz.expects)")
        }
        accountingOffset = offset
        fetchTimeout = Int(try s.value(.fetchTimeout, s.duration))
        // libcurl reads 0 as "no limit": a call must always be bounded in time.
        guard fetchTimeout >= 1 else {
            throw SettingError(key: SettingKey.fetchTimeout.name, source: s.source(.fetchTimeout),
                               message: "'\(s.text(.fetchTimeout) ?? "")' is under one second; expected \(SettingKey.fetchTimeout.expects)")
        }
        fetchMaxBytes = try s.value(.fetchMaxBytes) { try s.integer($0, in: 1024...Int.max) }
        refundMaxBytes = try s.value(.refundMaxBytes) { try s.integer($0, in: 1024...Int.max) }
        refundMaxLines = try s.value(.refundMaxLines) { try s.integer($0, in: 1000...Int.max) }
        refundMaxMalformed = try s.value(.refundMaxMalformed) { try s.integer($0, in: 1...1_000_000) }
        // Bounded as run.json's record is read back (RunJudging): what is accepted here is resumable.
        betStopWindow = try s.value(.betStopWindow) { try s.duration($0, atMost: 86_400, because: "a feed bet a day after a bet_stop is not the market's") }
        csvBom = try s.bool(.csvBom)
        xlsx = try s.bool(.xlsx)
        html = try s.bool(.html)
        keepRuns = try s.integer(.keepRuns, in: 1...Int.max)
        maxAttempts = try s.value(.maxAttempts) { try s.integer($0, in: 1...100) }
        fetchConcurrency = try s.value(.fetchConcurrency) { try s.integer($0, in: 1...16) }
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        logLevel = try s.value(.logLevel) { try s.choice($0, levels).flatMap(Logger.Level.init(rawValue:)) }
        logJSON = try s.value(.logFormat) { try s.choice($0, ["text", "json"]) } == "json"
        progress = try s.value(.progress) { try s.choice($0, ["auto", "always", "never"]).flatMap(ProgressMode.init(rawValue:)) }
        metricsFile = s.text(.metricsFile)
        deadmanURL = try s.url(.deadmanURL, allowHTTP: true)
        nightlyDays = try s.value(.nightlyDays) { try s.integer($0, in: 1...180) }
        breakBook = BreakBookLocation(setting: s.text(.breakBook), hasStore: store != nil)
        failOn = try s.value(.failOn) { try s.choice($0, FailOn.allCases.map(\.rawValue)).flatMap(FailOn.init(rawValue:)) }
        // Values first, then what must exist: a typo is reported before a missing file.
        if needsProvider {
            _ = try s.required(.apiURL, because: "run and nightly call Saba")
            if case .none = token {
                throw SettingError(key: SettingKey.jwtFile.name, source: nil,
                                   message: "no Saba token: set SABA_JWT, give --jwt-file (or jwt_file), or configure login.vendor_id (or SABA_VENDOR_ID) for POST /login")
            }
        }
        // The files are read as the run reads them, so what passes here passes there.
        // A rediff needs no token, so an unreadable token file does not stop it.
        if needsProvider, case .file(let path) = token {
            do { _ = try FileTokenSource(path: path) } catch {
                throw SettingError(key: SettingKey.jwtFile.name, source: s.source(.jwtFile), message: "\(error)")
            }
        }
        do { _ = try RefundFileReader().files(in: refunds) } catch {
            throw SettingError(key: SettingKey.refunds.name, source: s.source(.refunds), message: "\(error)")
        }
        if let path = s.text(.marketGroups) {
            do { marketGroups = try Self.readMarketGroups(path) } catch {
                throw SettingError(key: SettingKey.marketGroups.name, source: s.source(.marketGroups), message: "\(error)")
            }
        }
        if let metricsFile {
            let folder = (metricsFile as NSString).deletingLastPathComponent
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw SettingError(key: SettingKey.metricsFile.name, source: s.source(.metricsFile), message: "the folder of \(metricsFile) does not exist")
            }
        }
    }


    /// The run store's URL (`store`), checked: `run`, `worker` and `breaks` read it alike.
    public static func storeURL(_ s: Settings) throws -> String? {
        guard let store = s.text(.store) else { return nil }
        guard store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") else {
            throw SettingError(key: SettingKey.store.name, source: s.source(.store), message: "'\(CommandLineRedactor.redactURLPassword(store))' is not a postgres:// URL")
        }
        return store
    }

    /// `{"group": ["market id", ...]}` -> market id -> group.
    public static func readMarketGroups(_ path: String) throws -> [String: String] {
        // A market-groups file is a few thousand ids; 64 MB bounds a wrong or hostile path.
        let data: Data
        do { data = try BoundedFile.read(path, maxBytes: 64 << 20, followLinks: true) } catch { throw JobSettings.Invalid("cannot read \(path): \(error)") }
        guard let value = try? JSONValue.parse([UInt8](data)), case .object(let groups) = value else {
            throw JobSettings.Invalid("\(path) is not a JSON object of group -> [market ids]")
        }
        var map: [String: String] = [:]
        for (group, markets) in groups {
            guard case .array(let ids) = markets else { throw JobSettings.Invalid("\(path): group '\(group)' is not an array") }
            for id in ids {
                switch id {
                case .string(let s), .number(let s): map[s] = group
                default: throw JobSettings.Invalid("\(path): group '\(group)' has a market id that is not a string or number")
                }
            }
        }
        return map
    }

    /// `config check`'s report: every setting with its source, secrets redacted.
    public func describe() -> [String] {
        var lines = ["config file: \(settings.configPath ?? "(none)")"]
        lines += settings.describe()
        lines.append("token: \(token.describe(apiURL: apiURL))")
        if let postgres {
            lines.append("ledger connection: \(postgres.display)")
            lines += postgres.describedSources.map { "  \($0)" }
        }
        return lines
    }
}
