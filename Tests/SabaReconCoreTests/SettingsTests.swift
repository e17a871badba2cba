import Foundation
import Testing
@testable import SabaReconCore

@Suite struct SettingsTests {
    let file = ConfigDocument(path: "/etc/saba-recon.yaml", values: [
        "grace": (.text("30m"), 7),
        "tolerance": (.text("0.01"), 8),
        "ledger": (.text("postgres://recon:file-secret@db/wallet"), 9),
        "out": (.text("/var/reports"), 10),
        "refunds": (.list(["/a", "/b"]), 11),
        "login.vendor_id": (.text("file-vendor-secret"), 12),
    ])

    @Test func flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() {
        let s = Settings(file: file,
                         environment: ["SABA_RECON_GRACE": "45m", "SABA_RECON_TOLERANCE": "0.5", "SABA_API_URL": "https://saba.example"],
                         flags: ["grace": .text("1h")])
        #expect(s.text(.grace) == "1h")
        #expect(s.source(.grace) == .flag("--grace"))
        #expect(s.text(.tolerance) == "0.5")
        #expect(s.source(.tolerance) == .environment("SABA_RECON_TOLERANCE"))
        #expect(s.text(.out) == "/var/reports")
        #expect(s.source(.out) == .file(path: "/etc/saba-recon.yaml", line: 10))
        #expect(s.text(.apiVersion) == "v1")
        #expect(s.source(.apiVersion) == .builtIn)
        // The older alias counts as the environment.
        #expect(s.text(.apiURL) == "https://saba.example")
        #expect(s.source(.apiURL) == .environment("SABA_API_URL"))
        #expect(s.text(.forwardedFor) == nil)
    }

    @Test func theNewVariableBeatsItsOlderAliasAndAnEmptyVariableCountsAsUnset() {
        let s = Settings(file: file, environment: ["SABA_RECON_LEDGER": "sqlite:/new", "SABA_LEDGER_URL": "sqlite:/old", "SABA_RECON_OUT": ""], flags: [:])
        #expect(s.text(.ledger) == "sqlite:/new")
        #expect(s.text(.out) == "/var/reports")
    }

    @Test func listsFromTheEnvironmentAreCommaSeparatedAndFlagsReplaceTheFileList() {
        let env = Settings(file: file, environment: ["SABA_RECON_REFUNDS": "/x, /y,"], flags: [:])
        #expect(env.list(.refunds) == ["/x", "/y"])
        let flag = Settings(file: file, environment: [:], flags: ["refunds": .list(["/z"])])
        #expect(flag.list(.refunds) == ["/z"])
        #expect(Settings(file: nil, environment: [:], flags: [:]).list(.refunds) == [])
    }

    @Test func typedValuesAreCheckedAndErrorsNameKeySourceAndExpectation() throws {
        let s = Settings(file: ConfigDocument(path: "c.yaml", values: ["grace": (.text("soon"), 3), "keep_runs": (.text("0"), 4)]),
                         environment: [:], flags: [:])
        let grace = #expect(throws: SettingError.self) { try s.duration(.grace) }
        #expect(grace?.description == "config key grace (from c.yaml:3): 'soon' is not a duration; expected a duration such as 900, 15m, 1h")
        let keep = #expect(throws: SettingError.self) { try s.integer(.keepRuns, in: 1...Int.max) }
        #expect(keep?.key == "keep_runs")
        #expect(try s.money(.tolerance) == .zero)
        #expect(try s.bool(.csvBom) == false)
    }

    @Test func anErrorAboutASecretNeverShowsIt() {
        let s = Settings(file: nil, environment: ["SABA_RECON_METRICS_DEADMAN_URL": "ftp://hc-ping.com/uuid-secret",
                                                  "SABA_RECON_LEDGER": "postgres://u:pw-secret@h/db"], flags: [:])
        let error = #expect(throws: SettingError.self) { try s.url(.deadmanURL, allowHTTP: false) }
        #expect(error?.description.contains("uuid-secret") == false)
        #expect(error?.description.contains("env SABA_RECON_METRICS_DEADMAN_URL") == true)
    }

    @Test func describeRedactsEverySecretAndNamesEverySource() {
        let s = Settings(file: file, environment: ["SABA_RECON_METRICS_DEADMAN_URL": "https://hc-ping.com/uuid-secret"], flags: [:])
        // Names are padded to the longest one; compare with single spaces.
        let text = s.describe().joined(separator: "\n").replacingOccurrences(of: " +=", with: " =", options: .regularExpression)
        for secret in ["file-secret", "file-vendor-secret", "uuid-secret"] {
            #expect(!text.contains(secret), "\(secret) leaked:\n\(text)")
        }
        #expect(text.contains("ledger = postgres://recon:[REDACTED]@db/wallet  (/etc/saba-recon.yaml:9)"))
        #expect(text.contains("login.vendor_id = [REDACTED]  (/etc/saba-recon.yaml:12)"))
        #expect(text.contains("metrics.deadman_url = https://hc-ping.com/[REDACTED]  (env SABA_RECON_METRICS_DEADMAN_URL)"))
        #expect(text.contains("grace = 30m  (/etc/saba-recon.yaml:7)"))
        #expect(text.contains("forwarded_for = (unset)"))
    }

    @Test func currencyOverridesFromTheFileReplaceBuiltInEntries() {
        var doc = file
        doc.currencies = [15: CurrencyInfo(code: "IDR", scale: 1), 99: CurrencyInfo(code: "XAU")]
        let s = Settings(file: doc, environment: [:], flags: [:])
        #expect(s.currencies[15] == CurrencyInfo(code: "IDR", scale: 1))
        #expect(s.currencies[99]?.code == "XAU")
        #expect(s.currencies[3]?.code == "USD")
        #expect(s.describe().contains("currencies.15 = IDR, scale 1, decimals 2  (/etc/saba-recon.yaml)"))
    }

    @Test func everyKeyHasAnEnvironmentVariableAndNamesAreUnique() {
        #expect(Set(SettingKey.all.map(\.name)).count == SettingKey.all.count)
        #expect(SettingKey.metricsFile.environment == ["SABA_RECON_METRICS_TEXTFILE"])
        #expect(SettingKey.vendorId.environment == ["SABA_RECON_LOGIN_VENDOR_ID", "SABA_VENDOR_ID"])
        #expect(SettingKey.vendorId.flag == nil, "a secret must not be a flag: flags show in ps")
    }

    @Test func durationsFormatForMessages() {
        #expect(DurationText.format(0) == "0s")
        #expect(DurationText.format(90) == "1m30s")
        #expect(DurationText.format(3 * 3600 + 61) == "3h1m")
        #expect(DurationText.format(2 * 86_400 + 3 * 3600) == "2d3h")
    }
}
