import Foundation
import SabaReconCore
import SabaReconIO

/// The demo's second night (SPEC §9): finance acknowledges one break, the wallet team pays
/// one missing payout, and the next night's run shows what the break book makes of it.
extension DemoCommand {
    struct Night {
        var recon: ReconBinary
        var arguments: [String]
        var environment: [String: String]
        var ledgerPath: String
        var entries: [LedgerEntry]
        var now: Date
    }

    /// Returns the number of statuses that were not as expected.
    func secondNight(_ night: Night) async throws -> Int {
        let report = try Self.table((out as NSString).appendingPathComponent("latest/discrepancies.csv"))
        func key(_ row: [String]) -> String { "\(report.cell(row, "kind") ?? "") \(report.cell(row, "trans_id") ?? "")" }
        let rows = report.rows.filter { report.cell($0, "provider") == "saba" }
        guard let acked = rows.first(where: { report.cell($0, "kind") == "net_mismatch" }),
              let paid = rows.first(where: { report.cell($0, "kind") == "payout_missing" }),
              let owed = Money.parse((report.cell(paid, "difference") ?? "").replacingOccurrences(of: "-", with: "")) else {
            throw CommandFailure("the first night has no net_mismatch or payout_missing row to work with")
        }
        print("\n== the morning after: acknowledge one break, pay one missing payout")
        let ackArguments = ["breaks", "ack", "--out", out, "--provider", "saba", "--kind", "net_mismatch", "--trans-id", report.cell(acked, "trans_id") ?? "",
                            "--reason", "provider's error, credited by hand", "--by", "demo", "--now", UTCTime.iso(night.now.addingTimeInterval(2 * 3600))]
        print("running: \(night.recon.url.path) \(ackArguments.joined(separator: " "))")
        let ackStatus = try await night.recon.run(ackArguments, environment: night.environment)
        guard ackStatus == 0 else { throw CommandFailure("saba-recon breaks ack ended with exit status \(ackStatus)") }
        let fix = LedgerEntry(entryId: "demo-fix-1", provider: "saba", ticketId: report.cell(paid, "trans_id") ?? "", memberId: report.cell(paid, "member_id") ?? "",
                              kind: "settle", amount: owed, currency: report.cell(paid, "currency") ?? "", createdAt: night.now.addingTimeInterval(3600), ref: "demo fix")
        try SQLiteLedgerWriter.write(night.entries + [fix], to: night.ledgerPath)
        print("ledger: paid \(Money.format(owed)) \(fix.currency) on ticket \(fix.ticketId) (its payout_missing)")

        let next = night.now.addingTimeInterval(86_400)
        let arguments = night.arguments.map { $0 == UTCTime.iso(night.now) ? UTCTime.iso(next) : $0 }
        print("\n== the next night\nrunning: \(night.recon.url.path) \(arguments.joined(separator: " "))")
        let status = try await night.recon.run(arguments, environment: night.environment)
        guard status == 0 || status == 1 else { throw CommandFailure("the second night's run ended with exit status \(status)") }
        let second = try Self.table((out as NSString).appendingPathComponent("latest/discrepancies.csv"))
        let breaks = try Self.table((out as NSString).appendingPathComponent("latest/breaks.csv"))
        var statuses: [String: String] = [:]
        for row in second.rows { statuses["\(second.cell(row, "kind") ?? "") \(second.cell(row, "trans_id") ?? "")"] = second.cell(row, "break_status") ?? "" }
        let resolved = Set(breaks.rows.filter { breaks.cell($0, "section") == "resolved" }.map { "\(breaks.cell($0, "kind") ?? "") \(breaks.cell($0, "trans_id") ?? "")" })

        print("\nbreak                                            expected      this night")
        var wrong = 0
        func line(_ what: String, _ expected: String, _ actual: String) {
            if expected != actual { wrong += 1 }
            print("\(what.padding(toLength: 48, withPad: " ", startingAt: 0)) \(expected.padding(toLength: 13, withPad: " ", startingAt: 0)) \(actual)\(expected == actual ? "" : "  <- NOT AS EXPECTED")")
        }
        line(key(acked) + " (acknowledged)", "acknowledged", statuses[key(acked)] ?? "(not reported)")
        line(key(paid) + " (paid)", "resolved", resolved.contains(key(paid)) && statuses[key(paid)] == nil ? "resolved" : statuses[key(paid)] ?? "(not in breaks.csv)")
        let others = report.rows.map(key).filter { $0 != key(acked) && $0 != key(paid) }
        let open = others.filter { statuses[$0] == "open" }.count
        line("the other \(others.count) breaks", "open", open == others.count ? "open" : "\(open) open, \(others.count - open) otherwise")
        print("\nsecond night exit status \(status) (1: breaks nobody has acknowledged remain). Its report.html opens with what changed since the first night.")
        return wrong
    }

    static func table(_ path: String) throws -> CSVTable {
        do { return try CSVTable(parsing: String(contentsOfFile: path, encoding: .utf8)) } catch {
            throw CommandFailure("cannot read \(path): \(error)")
        }
    }
}
