import Foundation
import Testing
import TestSupport

/// Jobs/cronjob.yaml and Jobs/indexed-job.yaml, read by the programs a cluster's owners
/// run on manifests: the API's own schemas and checkov's Kubernetes policies (both from
/// PyPI; `scripts/test` installs them, and under `CI` a missing one fails the test).
@Suite struct KubernetesManifestTests {
    static let files = ["Jobs/cronjob.yaml", "Jobs/indexed-job.yaml"].map { CLI.packageRoot.appendingPathComponent($0).path }

    @Test func theManifestsAreValidAgainstTheKubernetesSchemasStrictly() throws {
        let tool = try ExternalReader.require(["kubernetes-validate"], package: "kubernetes-validate", source: "PyPI")
        let out = String(decoding: try tool.run(["--strict"] + Self.files), as: UTF8.self)
        // One line per object, each "passed".
        let lines = out.split(separator: "\n").filter { $0.contains("against version") }
        #expect(lines.count >= 6, "\(out)")
        #expect(lines.allSatisfy { $0.contains("passed") }, "\(out)")
    }

    @Test func theManifestsPassCheckovsKubernetesPoliciesAndEverySkipSaysWhy() throws {
        let tool = try ExternalReader.require(["checkov"], package: "checkov", source: "PyPI")
        // --soft-fail: the findings are read from the JSON, so a failure names its checks.
        let data = try tool.run(["--framework", "kubernetes", "--skip-download", "--compact", "--soft-fail", "-o", "json"]
                                    + Self.files.flatMap { ["-f", $0] }, timeout: 300)
        struct Report: Decodable {
            struct Summary: Decodable { var passed: Int; var failed: Int; var skipped: Int; var parsing_errors: Int }
            struct Check: Decodable {
                struct Result: Decodable { var suppress_comment: String? }
                var check_id: String; var resource: String; var check_result: Result
            }
            struct Results: Decodable { var failed_checks: [Check]; var skipped_checks: [Check] }
            var summary: Summary
            var results: Results
        }
        let report = try JSONDecoder().decode(Report.self, from: data)
        #expect(report.summary.parsing_errors == 0)
        #expect(report.summary.failed == 0, "\(report.results.failed_checks.map { "\($0.check_id) \($0.resource)" })")
        // Both files were read: far more than a handful of checks passed.
        #expect(report.summary.passed > 100)
        for skip in report.results.skipped_checks {
            #expect((skip.check_result.suppress_comment ?? "").count > 20, "\(skip.check_id) on \(skip.resource) is skipped without a reason")
        }
    }
}
