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

    /// Up to `limit` earlier runs with a manifest, newest first, and the folders whose
    /// manifest could not be read (named on the page, never fatal: the trend is context).
    func history(limit: Int) -> (points: [RunTrendPoint], unreadable: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return ([], []) }
        var points: [RunTrendPoint] = []
        var unreadable: [String] = []
        for name in names.sorted(by: >) where name != "latest" && name != runId && !name.hasPrefix(".") {
            if points.count >= limit { break }
            let path = root.appendingPathComponent(name).appendingPathComponent("manifest.json").path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                let m = try JSONDecoder().decode(TrendManifest.self, from: BoundedFile.read(path, maxBytes: Self.manifestMaxBytes))
                guard let now = UTCTime.parse(m.now) else { throw BoundedFile.ReadError(description: "now '\(m.now)' is not a time") }
                var stake: [String: Money] = [:]
                for (currency, text) in m.money_at_stake ?? [:] {
                    guard let amount = Money.parse(text) else { throw BoundedFile.ReadError(description: "money_at_stake \(currency) '\(text)' is not an amount") }
                    stake[currency] = amount
                }
                points.append(RunTrendPoint(runId: m.run_id, now: now, outcome: m.outcome, discrepancies: m.discrepancies, moneyAtStake: stake))
            } catch {
                unreadable.append(name)
            }
        }
        return (points, unreadable)
    }
}
