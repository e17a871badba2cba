import ArgumentParser
import Foundation
import SabaReconCore
import SabaReconIO

/// `saba-recon breaks ack|unack|list`: working the break book (SPEC §9).
struct BreaksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breaks",
        abstract: "Acknowledge, withdraw and list the breaks the nightly runs keep across nights.",
        discussion: """
            The break book is OUT/breaks.sqlite, or with a run store (--store, or store: in the config file) the store's schema; break_book in the config file or --break-book names another file. Each discrepancy row carries a break_id and a break_status (new, open, changed, reopened, acknowledged); with --fail-on unacknowledged (the default) a night exits 1 only for a discrepancy nobody has acknowledged. An acknowledgement lapses when the break's difference changes or --until passes; every acknowledgement, withdrawal and lapse is kept. These commands take the report root's lock: while a run holds it they exit 2 at once, saying so.

            Examples:
              saba-recon breaks list --out /srv/recon --status new,changed,reopened
              saba-recon breaks ack --out /srv/recon --id B3f9a0c1d2e4b5a6 --reason "eBET confirmed the refund by hand" --by ana
              saba-recon breaks ack --out /srv/recon --file acks.csv --by ana
              saba-recon breaks unack --out /srv/recon --id B3f9a0c1d2e4b5a6 --reason "not approved" --by bo
            """,
        subcommands: [Ack.self, Unack.self, List.self]
    )

    /// Where the book is, as `run` finds it.
    struct BookOptions: ParsableArguments {
        @Option(help: ArgumentHelp("YAML config file (as for run); its out and break_book say where the book is.", valueName: "path")) var config: String?
        @Option(help: ArgumentHelp("The report root the runs write to. \(SettingKey.out.sourcesHelp)", valueName: "dir")) var out: String?
        @Option(help: ArgumentHelp("The break book: a file, or store (the default with a run store). \(SettingKey.breakBook.sourcesHelp)", valueName: "path")) var breakBook: String?
        @Option(help: ArgumentHelp("The run store (postgres://...) whose schema holds the book when the runs use --store. \(SettingKey.store.sourcesHelp)", valueName: "url")) var store: String?
        @Option(help: ArgumentHelp("Fix the clock (ISO 8601): when an acknowledgement is made, what today is for ages.", valueName: "time")) var now: String?

        func desk(holder: String, lock: Bool = true) throws -> (BreakDesk, RunLock?) {
            let environment = ProcessInfo.processInfo.environment
            let path = config ?? environment["SABA_RECON_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            var flags: [String: SettingValue] = [:]
            if let out { flags[SettingKey.out.name] = .text(out) }
            if let breakBook { flags[SettingKey.breakBook.name] = .text(breakBook) }
            if let store { flags[SettingKey.store.name] = .text(store) }
            let settings = Settings(file: try path.map { try ConfigFile.load($0) }, environment: environment, flags: flags)
            let root = try settings.value(.out, settings.text)
            let storeURL = try JobSettings.storeURL(settings)
            let location = BreakBookLocation(setting: settings.text(.breakBook), hasStore: storeURL != nil)
            guard location != .off else {
                throw ParsingFailure("the break book is off (break_book: off): there is nothing to work on")
            }
            var clock = ProcessClock.current
            if let now {
                guard let fixed = UTCTime.parse(now) else { throw ParsingFailure("--now '\(now)' is not an ISO 8601 time") }
                clock = FixedWallClock(fixed)
            }
            // One writer at a time: a run updating the book, or a person.
            // A reader (list) needs no lock: the book is WAL and a night's update one transaction.
            let held = lock ? try RunFolder.lock(URL(fileURLWithPath: root), holder: holder, now: clock.now()) : nil
            let opened = try location.open(out: URL(fileURLWithPath: root), store: {
                guard let storeURL else { return nil }
                let store = try SharedRunStore(url: storeURL, worker: "breaks:\(getpid())", lease: 60,
                                                passwordFile: settings.text(.pgPasswordFile))
                try store.migrate()
                return store
            }, mustExist: true)
            guard let opened else { throw ParsingFailure("the break book is off: there is nothing to work on") }
            return (BreakDesk(store: opened, clock: clock), held)
        }
    }

    struct Which: ParsableArguments {
        @Option(help: ArgumentHelp("The break's id (the break_id column).", valueName: "id")) var id: String?
        @Option(help: ArgumentHelp("With --kind and --trans-id: the break's provider (saba, ebet, jdb, feed).", valueName: "provider")) var provider: String?
        @Option(help: ArgumentHelp("With --provider and --trans-id: the discrepancy kind.", valueName: "kind")) var kind: String?
        @Option(help: ArgumentHelp("With --provider and --kind: the ticket or transfer id.", valueName: "id")) var transId: String?

        var target: BreakDesk.Target? {
            if let id { return .id(id) }
            if let provider, let kind, let transId { return .key(provider: provider, kind: kind, transId: transId) }
            return nil
        }
    }

    static var defaultBy: String { ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown" }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge breaks: one (--id, or --provider --kind --trans-id) or many from a CSV file (--file).",
            discussion: "The file's header names break_id, or provider, kind and trans_id, and optionally reason and until (YYYY-MM-DD); the workbook's Discrepancies sheet saved as CSV works, with --reason for rows without one. All rows or none: a row naming an unknown or resolved break is named and nothing is written.")
        @OptionGroup var book: BookOptions
        @OptionGroup var which: Which
        @Option(help: ArgumentHelp("A CSV file of breaks to acknowledge.", valueName: "path")) var file: String?
        @Option(help: ArgumentHelp("Why (required: on the command line, or per row of --file).", valueName: "text")) var reason: String?
        @Option(help: ArgumentHelp("Who acknowledges (default: $USER).", valueName: "name")) var by: String?
        @Option(help: ArgumentHelp("The last UTC day the acknowledgement holds (YYYY-MM-DD).", valueName: "date")) var until: String?

        func run() throws {
            var untilDay: Int?
            if let until {
                guard let day = BreakBook.day(parsing: until) else { throw ParsingFailure("--until '\(until)' is not a date (YYYY-MM-DD)") }
                untilDay = day
            }
            let requests: [BreakDesk.Request]
            if let file {
                guard which.target == nil else { throw ParsingFailure("give --file or one break (--id, or --provider --kind --trans-id), not both") }
                // A spreadsheet's CSV: 256 MB bounds a wrong file.
                let data = try BoundedFile.read(file, maxBytes: 256 << 20, followLinks: true)
                requests = try BreakDesk.requests(csv: String(decoding: data, as: UTF8.self), file: file, defaultReason: reason)
                    .map { var r = $0; if r.until == nil { r.until = untilDay }; return r }
            } else {
                guard let target = which.target else { throw ParsingFailure("name a break: --id, or --provider, --kind and --trans-id (or --file)") }
                guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ParsingFailure("--reason is required: say why") }
                requests = [BreakDesk.Request(target: target, reason: reason, until: untilDay, origin: "breaks ack")]
            }
            let (desk, lock) = try book.desk(holder: "saba-recon breaks ack")
            defer { desk.store.close() }
            defer { withExtendedLifetime(lock) {} }
            let events = try desk.acknowledge(requests, by: by ?? BreaksCommand.defaultBy)
            print("acknowledged \(events.count) break\(events.count == 1 ? "" : "s"): \(events.prefix(20).map(\.breakId).joined(separator: ", "))\(events.count > 20 ? ", …" : "")")
        }
    }

    struct Unack: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a break's acknowledgement (kept in the audit trail).")
        @OptionGroup var book: BookOptions
        @OptionGroup var which: Which
        @Option(help: ArgumentHelp("Why it is withdrawn (required).", valueName: "text")) var reason: String
        @Option(help: ArgumentHelp("Who withdraws it (default: $USER).", valueName: "name")) var by: String?

        func run() throws {
            guard let target = which.target else { throw ParsingFailure("name a break: --id, or --provider, --kind and --trans-id") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ParsingFailure("--reason is required: say why") }
            let (desk, lock) = try book.desk(holder: "saba-recon breaks unack")
            defer { desk.store.close() }
            defer { withExtendedLifetime(lock) {} }
            let event = try desk.withdraw(target, reason: reason, by: by ?? BreaksCommand.defaultBy)
            print("withdrew the acknowledgement of \(event.breakId)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the book's breaks (resolved ones included), filtered, as a table, CSV or JSON.")
        @OptionGroup var book: BookOptions
        @Option(help: ArgumentHelp("Only these statuses: new, open, changed, reopened, acknowledged, resolved (comma-separated).", valueName: "s,…")) var status: String?
        @Option(help: ArgumentHelp("Only this kind.", valueName: "kind")) var kind: String?
        @Option(help: ArgumentHelp("Only this provider.", valueName: "provider")) var provider: String?
        @Option(help: ArgumentHelp("Only this currency.", valueName: "code")) var currency: String?
        @Option(help: ArgumentHelp("Only breaks first seen more than this many days ago.", valueName: "days")) var olderThan: Int?
        @Option(help: ArgumentHelp("table, csv or json.", valueName: "format")) var format: String = "table"

        func run() throws {
            var filter = BreakListing.Filter()
            let known: Set<String> = Set(BreakStatus.allCases.map(\.rawValue) + ["resolved"])
            for s in (status ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !s.isEmpty {
                guard known.contains(s) else { throw ParsingFailure("--status '\(s)' is not one of \(known.sorted().joined(separator: ", "))") }
                filter.statuses.insert(s)
            }
            filter.kind = kind
            filter.provider = provider
            filter.currency = currency
            filter.olderThan = olderThan
            guard ["table", "csv", "json"].contains(format) else { throw ParsingFailure("--format '\(format)' is not table, csv or json") }
            let (desk, lock) = try book.desk(holder: "saba-recon breaks list", lock: false)
            defer { desk.store.close() }
            defer { withExtendedLifetime(lock) {} }
            let listing = try desk.list(filter)
            switch format {
            case "csv": FileHandle.standardOutput.write(Data(listing.csv().utf8))
            case "json": FileHandle.standardOutput.write(try listing.json())
            default: FileHandle.standardOutput.write(Data(listing.text().utf8))
            }
        }
    }
}
