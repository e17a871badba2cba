import Foundation
import SabaReconCore
import SabaReconIO
import SabaSandbox

// Throughput benchmarks, run in release: `swift run -c release saba-bench [tickets]`.
// Prints MB/s for the streaming decoder and Foundation's JSONDecoder on the same body.

func measure(_ label: String, bytes: Int, repeats: Int, _ body: () throws -> Int) rethrows -> Double {
    var best = Double.infinity
    var count = 0
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        count = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        best = min(best, seconds)
    }
    let mbps = Double(bytes) / 1_048_576 / best
    print(String(format: "%-34@ %9.1f MB/s  %8.3f s  %d tickets", label as NSString, mbps, best, count))
    return mbps
}

// `saba-bench ledger URL [TABLE]`: rows per second read from a ledger (SQLite or PostgreSQL).
if CommandLine.arguments.count > 2 && CommandLine.arguments[1] == "ledger" {
    let url = CommandLine.arguments[2]
    let table = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "ledger"
    let source = try LedgerLocation(url).open(table: table)
    try source.validate()
    let start = DispatchTime.now().uptimeNanoseconds
    var rows = 0
    var total = Money.zero
    try source.forEachEntry(provider: "saba", since: .distantPast) { e in
        rows += 1
        if rows % 1000 == 0 { total += e.amount }  // touch the values so nothing is optimised away
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "ledger read %@: %d rows in %.2f s = %.0f rows/s", url.hasPrefix("postgres") ? "postgresql" : "sqlite", rows, seconds, Double(rows) / seconds))
    exit(0)
}

// `saba-bench stage URL [TABLE]`: the ledger read and staged into a temporary run store, as a run does.
if CommandLine.arguments.count > 2 && CommandLine.arguments[1] == "stage" {
    let url = CommandLine.arguments[2]
    let table = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "ledger"
    let source = try LedgerLocation(url).open(table: table)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saba-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try RunStore.files(in: folder)
    let start = DispatchTime.now().uptimeNanoseconds
    let staged = try store.stageLedger(from: source, reads: [LedgerRead(provider: "saba", since: .distantPast)], indexForRefunds: false)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "ledger staged: %d rows in %.2f s = %.0f rows/s", staged.entries, seconds, Double(staged.entries) / seconds))
    exit(0)
}

let tickets = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 50_000 : 50_000
let body = ReferenceTicketDecoder.body(count: tickets)
print("body: \(tickets) tickets, \(String(format: "%.1f", Double(body.count) / 1_048_576)) MB, \(body.count / max(tickets, 1)) bytes/ticket")

let streaming = try measure("streaming decoder (64 KB chunks)", bytes: body.count, repeats: 5) {
    var decoder = TicketStreamDecoder()
    var n = 0
    var offset = 0
    try body.withUnsafeBytes { raw in
        while offset < raw.count {
            let end = min(offset + 65_536, raw.count)
            try decoder.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) { _ in n += 1 }
            offset = end
        }
    }
    try decoder.finish()
    return n
}
let data = Data(body)
let foundation = try measure("Foundation JSONDecoder", bytes: body.count, repeats: 3) {
    try ReferenceTicketDecoder.decode(data).count
}
print(String(format: "ratio streaming / JSONDecoder: %.2fx", streaming / foundation))
