import ArgumentParser
import Foundation
import SabaReconCore
import SabaSandbox

/// Options shared by `serve` and `demo`: what the look-alike Saba holds.
struct SandboxOptions: ParsableArguments {
    @Option(help: "Seed of the synthetic tickets: the same seed gives the same tickets.")
    var seed: UInt64 = 42

    @Option(help: "How many tickets the sandbox holds.")
    var tickets = 3000

    @Option(help: ArgumentHelp("Tickets are spread over this many days before now.", valueName: "days"))
    var spanDays = 40

    @Option(help: ArgumentHelp("Every Nth ticket gets a status Saba does not document (0 = never).", valueName: "n"))
    var unknownStatusEvery = 997

    @Option(help: ArgumentHelp("Every Nth GetBetDetails request answers 503 (0 = never).", valueName: "n"))
    var failEvery = 0

    @Option(help: ArgumentHelp("Every Nth GetBetDetails request answers 400 E009 access limit reached (0 = never).", valueName: "n"))
    var e009Every = 0

    @Option(help: ArgumentHelp("Every Nth GetBetDetails request drops the connection mid-body (0 = never).", valueName: "n"))
    var truncateEvery = 0

    @Option(help: ArgumentHelp("Delay before each GetBetDetails answer, in milliseconds.", valueName: "ms"))
    var delayMs = 0

    func book(now: Date) -> SandboxBook {
        // Whole minutes, so the same --now gives the same tickets.
        let end = Date(timeIntervalSince1970: floor(now.timeIntervalSince1970 / 60) * 60 - 300)
        return SandboxBook(seed: seed, count: tickets, spanStart: end.addingTimeInterval(-Double(spanDays) * 86_400), spanEnd: end,
                           unknownStatusEvery: unknownStatusEvery)
    }

    var faults: SandboxFaults {
        SandboxFaults(failEvery: failEvery, e009Every: e009Every, truncateEvery: truncateEvery, delayMilliseconds: delayMs)
    }

    /// `--now TIME` as a date; nil (the system clock) when not given.
    static func clock(_ now: String?) throws -> Date? {
        guard let now else { return nil }
        guard let fixed = UTCTime.parse(now) else { throw CommandFailure("--now '\(now)' is not an ISO 8601 time") }
        return fixed
    }
}
