import Foundation
import Logging
import SabaReconCore

extension JobSettings {
    /// The settings a run judges with, as a new run records them (`RunJudging`).
    public var judging: RunJudging {
        // The market groups in one canonical text (id, tab, group; sorted), for their digest.
        let groups = marketGroups.isEmpty ? nil : SHA256.hex(Array(marketGroups.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value)\n" }.joined().utf8))
        return RunJudging(grace: grace, tolerances: tolerances, stakeBasis: stakeBasis, accountingOffset: accountingOffset,
                          betStopWindow: betStopWindow, refundPaths: refunds, byteOrderMark: csvBom, workbook: xlsx, html: html,
                          currencies: settings.currencies, marketGroupsDigest: groups, breakBook: breakBook, failOn: failOn)
    }

    /// The judging settings given as flags: a rediff takes these over the old run's.
    public var judgingFlags: Set<SettingKey> {
        Set([SettingKey.grace, .tolerance, .stakeBasis, .accountingTz, .betStopWindow, .refunds, .csvBom, .xlsx, .html, .breakBook, .failOn].filter {
            if case .flag? = settings.source($0) { return true }
            return false
        })
    }

    /// The Saba client of these settings, and the secrets its command line must not show.
    public func makeClient(transport: any HTTPTransport, clock: any WallClock, logger: Logger) throws -> (client: SabaClient, secrets: [String]) {
        guard let url = apiURL else {
            throw SettingError(key: SettingKey.apiURL.name, source: nil, message: "no Saba API URL: give --api-url, SABA_API_URL or api_url in the config file")
        }
        let tokens = try tokenSource(transport: transport, logger: logger)
        var secrets: [String] = []
        if case .login(let vendor, _, _) = token { secrets.append(vendor) }
        let client = SabaClient(
            config: SabaClientConfig(apiURL: url, apiVersion: apiVersion, forwardedFor: forwardedFor,
                                     timeOffset: apiUtcOffset, maxAttempts: maxAttempts,
                                     totalTimeout: fetchTimeout, maxBytes: fetchMaxBytes),
            transport: transport, tokens: tokens, clock: clock, logger: logger)
        return (client, secrets)
    }

    func tokenSource(transport: any HTTPTransport, logger: Logger) throws -> any TokenSource {
        switch token {
        case .environment(let token): return try StaticTokenSource(token: token, origin: "SABA_JWT")
        case .file(let path): return try FileTokenSource(path: path)
        case .login(let vendor, let member, let before):
            guard let url = apiURL else { throw SettingError(key: SettingKey.apiURL.name, source: nil, message: "login needs api_url") }
            return LoginTokenSource(apiURL: url, vendorId: vendor, vendorMemberId: member, refreshBefore: before, transport: transport, logger: logger)
        case .none:
            throw SettingError(key: SettingKey.jwtFile.name, source: nil, message: "no Saba token: set SABA_JWT, give --jwt-file, or configure login.vendor_id")
        }
    }
}
