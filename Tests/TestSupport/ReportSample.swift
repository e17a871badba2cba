import Foundation
import SabaReconCore

/// A run's findings made to test the reports people open: ids a spreadsheet would mangle
/// (12 and 20 digits, a leading zero), currencies with 0, 2 and widened decimals, outsiders'
/// text that is HTML, and a pending item.
public enum ReportSample {
    public static let now = Date(timeIntervalSince1970: 1_785_500_000)  // 2026-07-31T12:13:20Z
    public static let window = FetchWindow(index: 0, start: Date(timeIntervalSince1970: 1_782_864_000), end: Date(timeIntervalSince1970: 1_785_456_000))
    public static let hostile = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
    /// The ids as they must come back from any reader.
    public static let ids = ["300000002121", "12345678901234567890", "0012"]

    public static func reconciliation() -> Reconciliation {
        var r = Reconciliation()
        r.add(rows: [
            Discrepancy(window: window, provider: "saba", kind: .netMismatch, transId: ids[0], memberId: hostile, currency: "USD",
                        providerStatus: "won", providerStake: money("100"), providerNet: money("85"), ledgerNet: money("84.5"),
                        detail: "net differs; team \(hostile)"),
            Discrepancy(window: window, provider: "jdb", kind: .refundNotApplied, transId: ids[1], memberId: "0099", currency: "JPY",
                        providerStatus: "", providerStake: money("1200"), providerNet: money("0"), ledgerNet: money("-1200"),
                        detail: "=cancel never reversed"),
            Discrepancy(window: window, provider: "saba", kind: .stakeMismatch, transId: ids[2], memberId: "m7", currency: "USDT",
                        providerStatus: "lose", providerStake: money("10.1234"), providerNet: money("-10.1234"), ledgerNet: money("-10.12"),
                        detail: "stake differs"),
        ])
        return r.sorted()
    }

    public static func money(_ text: String) -> Money {
        guard let m = Money.parse(text) else { preconditionFailure("bad sample amount \(text)") }
        return m
    }

    public static func context(runId: String = "RUN-1") -> ReportContext {
        ReportContext(runId: runId, toolVersion: "test", now: now, rangeStart: window.start, rangeEnd: window.end,
                      outcome: .discrepancies, exitStatus: 1, windows: 1, ticketsStaged: 3,
                      inputs: [.init(name: "ledger", description: "sqlite:<ledger>.sqlite", records: 9, sha256: "ab12")])
    }
}
