import Foundation
import Logging
import SabaReconCore
import SabaReconIO

/// The effective settings, checked and typed: every run and `config check` go through here,
/// so what `config check` accepts is exactly what a run accepts.
struct ResolvedJob {
    enum Token {
        case environment(String)
        case file(String)
        case login(vendorId: String, memberId: String, refreshBefore: TimeInterval)
        case none

        /// Where the token comes from, without the token.
        func describe(apiURL: String?) -> String {
            switch self {
            case .environment: "SABA_JWT (exp checked before each request)"
            case .file(let path): "file \(path) (read again when it changes)"
            case .login(_, let member, let before):
                "POST \(apiURL.map { CommandLineRedactor.redactURLPassword($0) } ?? "<api_url>")/login as vendor_member_id '\(member)', logging in again \(DurationText.format(before)) before exp"
            case .none: "none"
            }
        }
    }

    enum ProgressMode: String { case auto, always, never }

    var settings: Settings
    var apiURL: String?
    var apiVersion: String
    var apiUtcOffset: Int
    var forwardedFor: String?
    var token: Token
    var ledger: LedgerLocation
    var ledgerTable: String
    var ledgerStatementTimeout: TimeInterval
    /// The shared run store (SPEC 7); nil: this process alone, with run.sqlite.
    var store: String?
    var lease: TimeInterval
    /// libpq-style connection settings of a PostgreSQL ledger, resolved once (for `config check`).
    var postgres: PostgresSettings?
    var out: String
    var grace: TimeInterval
    var accountingOffset: Int
    var tolerances: ToleranceTable
    var stakeBasis: StakeBasis
    var refunds: [String]
    var fetchTimeout: Int
    var fetchMaxBytes: Int
    var refundMaxBytes: Int
    var refundMaxMalformed: Int
    var refundMaxLines: Int
    var betStopWindow: TimeInterval
    /// Market id -> group, read from the market_groups file.
    var marketGroups: [String: String] = [:]
    var csvBom: Bool
    var xlsx: Bool
    var html: Bool
    var keepRuns: Int?
    var maxAttempts: Int
    var logLevel: Logger.Level
    var logJSON: Bool
    var progress: ProgressMode
    var metricsFile: String?
    var deadmanURL: String?
    var nightlyDays: Int

    /// `needsProvider`: run and nightly need the API URL and a token; rediff needs neither.
    init(_ s: Settings, environment: [String: String], needsProvider: Bool) throws {
        settings = s
        apiURL = try s.url(.apiURL, allowHTTP: true)
        apiVersion = s.text(.apiVersion) ?? "v1"
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
            token = .login(vendorId: vendor, memberId: s.text(.vendorMemberId) ?? "", refreshBefore: try s.duration(.refreshBefore) ?? 300)
        } else {
            token = .none
        }
        do {
            ledger = try LedgerLocation(s.text(.ledger) ?? "sqlite:ledger.sqlite")
        } catch let error as LedgerLocation.Invalid {
            throw SettingError(key: SettingKey.ledger.name, source: s.source(.ledger), message: error.description)
        }
        ledgerTable = s.text(.ledgerTable) ?? "ledger"
        ledgerStatementTimeout = try s.duration(.ledgerStatementTimeout) ?? 600
        // PostgreSQL's statement_timeout holds at most 2147483647 ms (24.8 days).
        guard ledgerStatementTimeout >= 1, ledgerStatementTimeout <= 2_147_483 else {
            throw SettingError(key: SettingKey.ledgerStatementTimeout.name, source: s.source(.ledgerStatementTimeout),
                               message: "'\(s.text(.ledgerStatementTimeout) ?? "")' is not from one second to 24 days; expected \(SettingKey.ledgerStatementTimeout.expects)")
        }
        store = s.text(.store)
        if let store, !(store.hasPrefix("postgres://") || store.hasPrefix("postgresql://")) {
            throw SettingError(key: SettingKey.store.name, source: s.source(.store), message: "'\(CommandLineRedactor.redactURLPassword(store))' is not a postgres:// URL")
        }
        lease = try s.duration(.lease) ?? 300
        guard lease >= 5 else {
            throw SettingError(key: SettingKey.lease.name, source: s.source(.lease), message: "'\(s.text(.lease) ?? "")' is under 5 seconds; expected \(SettingKey.lease.expects)")
        }
        if case .postgres(let url) = ledger {
            do {
                postgres = try PostgresSettings.resolve(url: url, environment: ProcessInfo.processInfo.environment)
            } catch let error as LedgerError {
                throw SettingError(key: SettingKey.ledger.name, source: s.source(.ledger), message: error.description)
            }
        }
        out = s.text(.out) ?? "Reports"
        grace = try s.duration(.grace, atMost: 86_400, because: "a longer grace judges almost nothing and would report an empty night as reconciled") ?? 900  // unreachable: the key has a default (15m)
        tolerances = try s.tolerances(.tolerance) ?? .exact
        stakeBasis = StakeBasis(rawValue: try s.choice(.stakeBasis, StakeBasis.allCases.map(\.rawValue)) ?? "actual") ?? .actual
        refunds = s.list(.refunds)
        let tz = s.text(.accountingTz) ?? "+00:00"
        guard let offset = DurationText.parseOffset(tz) else {
            throw SettingError(key: SettingKey.accountingTz.name, source: s.source(.accountingTz),
                               message: "'\(tz)' is not an offset from UTC; expected \(SettingKey.accountingTz.expects)")
        }
        accountingOffset = offset
        fetchTimeout = Int(try s.duration(.fetchTimeout) ?? 3600)
        // libcurl reads 0 as "no limit": a call must always be bounded in time.
        guard fetchTimeout >= 1 else {
            throw SettingError(key: SettingKey.fetchTimeout.name, source: s.source(.fetchTimeout),
                               message: "'\(s.text(.fetchTimeout) ?? "")' is under one second; expected \(SettingKey.fetchTimeout.expects)")
        }
        fetchMaxBytes = try s.integer(.fetchMaxBytes, in: 1024...Int.max) ?? 8 << 30
        refundMaxBytes = try s.integer(.refundMaxBytes, in: 1024...Int.max) ?? 4 << 30
        refundMaxLines = try s.integer(.refundMaxLines, in: 1000...Int.max) ?? 5_000_000
        refundMaxMalformed = try s.integer(.refundMaxMalformed, in: 1...1_000_000) ?? 1000
        betStopWindow = try s.duration(.betStopWindow) ?? 60
        csvBom = try s.bool(.csvBom)
        xlsx = try s.bool(.xlsx)
        html = try s.bool(.html)
        keepRuns = try s.integer(.keepRuns, in: 1...Int.max)
        maxAttempts = try s.integer(.maxAttempts, in: 1...100) ?? 5
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        logLevel = Logger.Level(rawValue: try s.choice(.logLevel, levels) ?? "warning") ?? .warning
        logJSON = try s.choice(.logFormat, ["text", "json"]) == "json"
        progress = ProgressMode(rawValue: try s.choice(.progress, ["auto", "always", "never"]) ?? "auto") ?? .auto
        metricsFile = s.text(.metricsFile)
        deadmanURL = try s.url(.deadmanURL, allowHTTP: true)
        nightlyDays = try s.integer(.nightlyDays, in: 1...180) ?? 180
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

    /// `{"group": ["market id", ...]}` -> market id -> group.
    static func readMarketGroups(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ParsingFailure("cannot read \(path)") }
        guard let value = try? JSONValue.parse([UInt8](data)), case .object(let groups) = value else {
            throw ParsingFailure("\(path) is not a JSON object of group -> [market ids]")
        }
        var map: [String: String] = [:]
        for (group, markets) in groups {
            guard case .array(let ids) = markets else { throw ParsingFailure("\(path): group '\(group)' is not an array") }
            for id in ids {
                switch id {
                case .string(let s), .number(let s): map[s] = group
                default: throw ParsingFailure("\(path): group '\(group)' has a market id that is not a string or number")
                }
            }
        }
        return map
    }

    /// `config check`'s report: every setting with its source, secrets redacted.
    func describe() -> [String] {
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
