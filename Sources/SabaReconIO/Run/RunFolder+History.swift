import Foundation
import SabaReconCore

/// The earlier runs of this report root, as their manifests tell them: report.html's trend.
extension RunFolder {
    /// What an earlier manifest contributes; everything else in it is ignored.
    struct TrendManifest: Decodable {
        var run_id: String
        var now: String
        var outcome: String
        var discrepancies: Int
        var money_at_stake: [String: String]?
    }

    /// A manifest is a few kilobytes (windows and inputs); 4 MB bounds a damaged one.
    static let manifestMaxBytes = 4 << 20
    static let outcomes: Set<RunOutcome> = [.reconciled, .discrepancies, .failed]
    /// More rows than any run writes (each is a line of several files): a manifest claiming
    /// more was not written by this job.
    static let maxDiscrepancies = 1_000_000_000

    /// Up to `limit` earlier runs with a manifest, newest first, and the folders whose
    /// manifest could not be read (named on the page, never fatal: the trend is context).
    func history(limit: Int) -> (points: [RunTrendPoint], unreadable: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return ([], []) }
        var points: [RunTrendPoint] = []
        var unreadable: [String] = []
        // Only folders named as this job names runs: anything else planted in the root is not a run.
        for name in names.sorted(by: >) where name != runId && Self.isRunId(name) {
            if points.count >= limit { break }
            // A link planted in place of a run folder is not followed out of the root.
            let folder = RunFolder(root: root, runId: name)
            guard folder.isOwnFolder else { continue }
            let path = folder.url.appendingPathComponent("manifest.json").path
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            do {
                let m = try JSONDecoder().decode(TrendManifest.self, from: BoundedFile.read(path, maxBytes: Self.manifestMaxBytes))
                // Untrusted numbers and texts (SPEC §6): range-checked before the page draws them.
                guard m.run_id == name else { throw BoundedFile.ReadError(description: "run_id '\(m.run_id.prefix(40))' is not its folder's") }
                guard let now = UTCTime.parse(m.now) else { throw BoundedFile.ReadError(description: "now '\(m.now.prefix(40))' is not a time") }
                guard let outcome = RunOutcome(rawValue: m.outcome), Self.outcomes.contains(outcome) else { throw BoundedFile.ReadError(description: "outcome '\(m.outcome.prefix(40))' is not one this job writes") }
                guard (0...Self.maxDiscrepancies).contains(m.discrepancies) else {
                    throw BoundedFile.ReadError(description: "discrepancies \(m.discrepancies) is out of range")
                }
                guard (m.money_at_stake?.count ?? 0) <= 1000 else { throw BoundedFile.ReadError(description: "money_at_stake lists too many currencies") }
                var stake: [String: Money] = [:]
                for (currency, text) in m.money_at_stake ?? [:] {
                    guard currency.utf8.count <= 16 else { throw BoundedFile.ReadError(description: "money_at_stake has a currency code that is not one") }
                    guard let amount = Money.parse(text), amount >= .zero else { throw BoundedFile.ReadError(description: "money_at_stake \(currency) '\(text.prefix(40))' is not an amount") }
                    stake[currency] = amount
                }
                points.append(RunTrendPoint(runId: m.run_id, now: now, outcome: outcome, discrepancies: m.discrepancies, moneyAtStake: stake))
            } catch {
                unreadable.append(name)
            }
        }
        return (points, unreadable)
    }
}
