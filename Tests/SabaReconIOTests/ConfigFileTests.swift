import Foundation
import Testing
import SabaReconCore
@testable import SabaReconIO

@Suite struct ConfigFileTests {
    @Test func nestedKeysListsAndLinesAreRead() throws {
        let yaml = """
            # a comment
            api_url: https://saba.example
            grace: 30m
            tolerance: 0.10
            refunds:
              - /data/ebet
              - /data/jdb
            login:
              vendor_member_id: recon
            metrics:
              textfile: /var/lib/node_exporter/saba.prom
            nightly:
            forwarded_for:
            currencies:
              15: {code: IDR, thousands: false}
            """
        let doc = try ConfigFile.parse(yaml, path: "c.yaml")
        #expect(doc.values["api_url"]?.value == .text("https://saba.example"))
        #expect(doc.values["api_url"]?.line == 2)
        // Decimal text is kept as written, never through a binary float.
        #expect(doc.values["tolerance"]?.value == .text("0.10"))
        #expect(doc.values["refunds"]?.value == .list(["/data/ebet", "/data/jdb"]))
        #expect(doc.values["login.vendor_member_id"]?.line == 9)
        #expect(doc.values["metrics.textfile"]?.value == .text("/var/lib/node_exporter/saba.prom"))
        #expect(doc.values["forwarded_for"] == nil)
        #expect(doc.currencies[15] == CurrencyInfo(code: "IDR", scale: 1))
    }

    @Test(arguments: [
        ("grace: 5m\ngracee: 5m\n", "c.yaml:2: unknown key 'gracee'"),
        ("login:\n  vendor: x\n", "c.yaml:2: unknown key 'login.vendor'"),
        ("grace: [5m, 6m]\n", "c.yaml:1: 'grace' takes one value, not a list"),
        ("- a\n- b\n", "c.yaml:1: the file must be a mapping"),
        ("currencies:\n  abc: {code: X}\n", "c.yaml:2: currency id 'abc' is not a positive whole number"),
        ("currencies:\n  15: {code: IDR, scale: 3}\n", "currency 15: unknown field 'scale'"),
        ("currencies:\n  3: {code: USD, decimals: 9}\n", "c.yaml:2: currency 3: decimals '9' is not a whole number from 0 to 4"),
        ("tolerance:\n  USD: [1]\n", "c.yaml:2: tolerance must map currency codes to amounts"),
        ("api_version: v1\ngrace: 5m\ngrace: 6m\n", "c.yaml:3: duplicate key grace"),
    ])
    func mistakesNameTheFileAndLine(yaml: String, message: String) {
        let error = #expect(throws: ConfigFile.LoadError.self) { try ConfigFile.parse(yaml, path: "c.yaml") }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error")")
    }

    /// SPEC §2: a tolerance per currency, and each currency's minor unit.
    @Test func toleranceTablesAndCurrencyDecimals() throws {
        let doc = try ConfigFile.parse("""
            tolerance: {USD: 0.01, VND: 1, "*": 0.005}
            currencies:
              3: {code: USD, decimals: 4}
              15: {code: IDR, thousands: true}
            """, path: "c.yaml")
        #expect(doc.values["tolerance"]?.line == 1)
        let settings = Settings(file: doc, environment: [:], flags: [:])
        #expect(try settings.tolerances(.tolerance) == ToleranceTable(all: Money.parse("0.005")!, perCurrency: ["USD": Money.parse("0.01")!, "VND": 1]))
        #expect(doc.currencies[3]?.decimals == 4 && doc.currencies[15]?.decimals == 0 && doc.currencies[15]?.scale == 1000)
        // A bad amount is an invalid setting naming the file and line.
        let bad = Settings(file: try ConfigFile.parse("tolerance: {USD: -1}\n", path: "c.yaml"), environment: [:], flags: [:])
        let error = #expect(throws: SettingError.self) { try bad.tolerances(.tolerance) }
        #expect(error?.description.contains("(from c.yaml:1)") == true, "\(error?.description ?? "")")
        // The flag's form overrides the file's.
        let flagged = Settings(file: doc, environment: [:], flags: ["tolerance": .text("USD=0.02")])
        #expect(try flagged.tolerances(.tolerance) == ToleranceTable(perCurrency: ["USD": Money.parse("0.02")!]))
    }

    @Test func aSyntaxErrorGivesTheLineButNotTheLineText() {
        let yaml = "login:\n  vendor_id: \"sekrit-vendor\n"
        let error = #expect(throws: ConfigFile.LoadError.self) { try ConfigFile.parse(yaml, path: "c.yaml") }
        #expect(error?.line != nil)
        #expect(error?.description.contains("sekrit") == false, "\(error?.description ?? "")")
    }

    @Test func theShippedExampleIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try ConfigFile.load(root.appendingPathComponent("Jobs/saba-recon.yaml").path)
        #expect(doc.values["nightly.days"]?.value == .text("180"))
        #expect(doc.values["login.vendor_id"] == nil, "the example must not hold a credential")
    }

    @Test func aMissingFileIsAnError() {
        let error = #expect(throws: ConfigFile.LoadError.self) { try ConfigFile.load("/nonexistent/saba-recon.yaml") }
        #expect(error?.description == "config /nonexistent/saba-recon.yaml: cannot read the file")
    }
}

/// Property: any config text is either read or refused with file:line, never a crash
/// (cases: `SABA_RECON_PROPERTY_CASES`, default 300).
@Suite struct ConfigFilePropertyTests {
    @Test func anyTextIsReadOrRefusedWithItsLine() {
        var state: UInt64 = 6
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let pieces = ["api_url: https://saba.test\n", "grace: 15m\n", "grace: [1, 2]\n", "nightly:\n  days: 30\n", "login:\n  vendor_id: v\n",
                      "currencies:\n  3: USD\n", "  - x\n", ": :\n", "\t\n", "&a b\n", "*a\n", "tolerance: 1e99\n", "'unterminated\n", "{\n",
                      "keep_runs: -1\n", "refunds: [a, b]\n", "\u{0}\n", "unknown_key: 1\n", "---\n", "max_attempts: 99999999999999999999\n"]
        let cases = Int(ProcessInfo.processInfo.environment["SABA_RECON_PROPERTY_CASES"] ?? "") ?? 300
        for _ in 0..<cases {
            let text = (0..<(1 + Int(next() % 6))).map { _ in pieces[Int(next() % UInt64(pieces.count))] }.joined()
            do {
                _ = try ConfigFile.parse(text, path: "p.yaml")
            } catch let e as SettingError {
                #expect(e.description.contains("p.yaml"), "\(e.description)")
            } catch {
                // Any other error must still say which file it is about.
                #expect(String(describing: error).contains("p.yaml"), "\(error)")
            }
        }
    }
}
