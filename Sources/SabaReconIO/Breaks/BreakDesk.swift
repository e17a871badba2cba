import Foundation
import SabaReconCore

/// What people do with the break book (SPEC §9, `saba-recon breaks`): acknowledge breaks
/// one by one or in bulk from a spreadsheet's CSV, withdraw an acknowledgement, and list
/// the book. Every change is all or nothing, with its audit trail, in one transaction.
public struct BreakDesk: Sendable {
    public var store: any BreakBookStorage
    public var clock: any WallClock

    public init(store: any BreakBookStorage, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Which break: by its id, or by provider, kind and trans id.
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        case id(String)
        case key(provider: String, kind: String, transId: String)

        public var description: String {
            switch self {
            case .id(let id): id
            case .key(let p, let k, let t): "\(p)/\(k)/\(t)"
            }
        }
    }

    public struct Request: Sendable, Equatable {
        public var target: Target
        public var reason: String
        /// The last UTC day it holds.
        public var until: Int?
        /// Where it came from (`acks.csv:4`), for errors.
        public var origin: String

        public init(target: Target, reason: String, until: Int?, origin: String) {
            self.target = target
            self.reason = reason
            self.until = until
            self.origin = origin
        }
    }

    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    func id(of target: Target, in book: BreakBook, origin: String) throws -> String {
        switch target {
        case .id(let id):
            guard book.breaks[id] != nil else { throw Refused(description: "\(origin): the break book holds no break \(id)") }
            return id
        case .key(let provider, let kind, let transId):
            guard let k = DiscrepancyKind(rawValue: kind) else { throw Refused(description: "\(origin): '\(kind)' is not a discrepancy kind") }
            guard let r = book.find(provider: provider, kind: k, transId: transId) else {
                throw Refused(description: "\(origin): the break book holds no break \(provider)/\(kind)/\(transId)")
            }
            return r.breakId
        }
    }

    /// Acknowledges every request or none: one refused (unknown, resolved, no reason) names
    /// itself and nothing is written.
    public func acknowledge(_ requests: [Request], by: String) throws -> [BreakEvent] {
        var book = try store.load()
        let now = clock.now()
        var events: [BreakEvent] = []
        for r in requests {
            let id = try id(of: r.target, in: book, origin: r.origin)
            do {
                events.append(try book.acknowledge(id, by: by, reason: r.reason, until: r.until, at: now))
            } catch let refused as BreakBook.Refused {
                throw Refused(description: "\(r.origin): \(refused.description)")
            }
        }
        try store.record(events, book: book)
        return events
    }

    public func withdraw(_ target: Target, reason: String, by: String) throws -> BreakEvent {
        var book = try store.load()
        let id = try id(of: target, in: book, origin: "breaks unack")
        let event: BreakEvent
        do { event = try book.withdraw(id, by: by, reason: reason, at: clock.now()) } catch let refused as BreakBook.Refused {
            throw Refused(description: refused.description)
        }
        try store.record([event], book: book)
        return event
    }

    public func list(_ filter: BreakListing.Filter) throws -> BreakListing {
        BreakListing(try store.load(), filter: filter, today: BreakBook.day(clock.now()))
    }

    /// Requests from a CSV file as finance edits it (header `break_id,provider,kind,trans_id,reason,until`;
    /// a row names its break by `break_id` or by the other three; a workbook's Discrepancies
    /// sheet saved as CSV works, its other columns ignored). `reason` falls back to
    /// `defaultReason` where the file has none.
    public static func requests(csv text: String, file: String, defaultReason: String?, maxRows: Int = 1_000_000) throws -> [Request] {
        let table: CSVTable
        do { table = try CSVTable(parsing: text, maxRows: maxRows) } catch let e as CSVTable.Invalid {
            throw Refused(description: "\(file):\(e.line): \(e.message)")
        }
        guard table.column("break_id") != nil || (table.column("provider") != nil && table.column("kind") != nil && table.column("trans_id") != nil) else {
            throw Refused(description: "\(file):1: the header names neither break_id nor provider, kind and trans_id")
        }
        var out: [Request] = []
        for (i, row) in table.rows.enumerated() {
            // Line numbers count the header; a quoted cell over several lines makes them approximate.
            let origin = "\(file):\(i + 2)"
            func cell(_ name: String) -> String? {
                // A spreadsheet's formula guard (a leading ') is not part of the value.
                guard var v = table.cell(row, name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
                if v.hasPrefix("'") { v.removeFirst() }
                return v
            }
            let target: Target
            if let id = cell("break_id") {
                target = .id(id)
            } else if let p = cell("provider"), let k = cell("kind"), let t = cell("trans_id") {
                target = .key(provider: p, kind: k, transId: t)
            } else {
                throw Refused(description: "\(origin): the row names no break (break_id, or provider, kind and trans_id)")
            }
            guard let reason = cell("reason") ?? defaultReason else { throw Refused(description: "\(origin): no reason (a reason column, or --reason)") }
            var until: Int?
            if let text = cell("until") {
                guard let day = BreakBook.day(parsing: text) else { throw Refused(description: "\(origin): until '\(text.prefix(40))' is not a date (YYYY-MM-DD)") }
                until = day
            }
            out.append(Request(target: target, reason: reason, until: until, origin: origin))
        }
        return out
    }
}
