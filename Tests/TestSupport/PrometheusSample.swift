import Foundation

/// The value of one sample line `name{labels} value` in a textfile, labels in any order.
public func sample(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        let series = line[..<space]
        let seriesName = series.split(separator: "{").first.map(String.init) ?? ""
        guard seriesName == name else { continue }
        var found: [String: String] = [:]
        if let open = series.firstIndex(of: "{") {
            for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { found[String(kv[0])] = String(kv[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
        }
        if labels.allSatisfy({ found[$0.key] == $0.value }) { return Double(line[line.index(after: space)...]) }
    }
    return nil
}

