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
        ("api_version: v1\ngrace: 5m\ngrace: 6m\n", "c.yaml:3: duplicate key grace"),
    ])
    func mistakesNameTheFileAndLine(yaml: String, message: String) {
        let error = #expect(throws: ConfigFile.LoadError.self) { try ConfigFile.parse(yaml, path: "c.yaml") }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error")")
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
