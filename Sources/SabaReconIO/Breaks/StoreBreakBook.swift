import Foundation
import PostgresNIO
import SabaReconCore
import Synchronization

/// The break book in the run store's schema (SPEC §9, with `--store`): every process of a
/// shared run, on any machine, publishes into one book, and `saba-recon breaks --store`
/// works it from anywhere. Each break is one row of JSON (`BreakRecord`), read back no
/// further than this job writes it (SPEC §6). Writes take one advisory lock, so a night and
/// a person's acknowledgement never interleave even across report roots.
public struct StoreBreakBook: BreakBookStorage {
    let store: SharedRunStore
    /// The book's version when it was last loaded (its last event, its nights): a write checks
    /// it under the lock, since this book is shared across report roots whose locks differ.
    let seen = Seen()

    final class Seen: Sendable {
        let version = Mutex<Version?>(nil)
    }

    struct Version: Sendable, Equatable {
        var lastEvent: Int64
        var nights: Int64
    }

    public init(_ store: SharedRunStore) {
        self.store = store
    }

    static func version(_ c: PostgresConnection, store: SharedRunStore) async throws -> Version {
        for try await (event, nights) in try await c.query("""
            SELECT (SELECT coalesce(max(id), 0) FROM saba_recon.break_events), (SELECT count(*) FROM saba_recon.break_nights)
            """, logger: store.logger).decode((Int64, Int64).self) {
            return Version(lastEvent: event, nights: nights)
        }
        return Version(lastEvent: 0, nights: 0)
    }

    public var displayName: String { "the run store \(store.displayName)" }

    /// Closes the run store's connections: only for a store opened for the book alone.
    public func close() { store.close() }

    /// A stored record longer than this is not one this job wrote.
    static let maxRecordBytes = 64 << 10
    /// A night's annotations: about 150 bytes a row, for the most breaks a book may hold.
    static let maxNightBytes = 1 << 30
    /// The audit trail read at once (`breaks list` reads the book, not the trail).
    static let maxEvents = 10_000_000
    /// pg_advisory_xact_lock key of the book's writers (the migration lock is 727172).
    static let writeLock = 727_173
    /// Breaks per `INSERT ... unnest` statement.
    static let rowsPerStatement = 2000

    public struct Damaged: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public func load() throws -> BreakBook {
        let (book, version) = try store.sync("read the break book", timeout: store.operationTimeout + 600) { [store] in
            let c = try await store.connection(0)
            // Read first: a change during the load is then seen as a change at the write.
            let version = try await Self.version(c, store: store)
            var count = 0
            for try await n in try await c.query("SELECT count(*) FROM saba_recon.breaks", logger: store.logger).decode(Int.self) { count = n }
            guard count <= BreakBook.maxBreaks else {
                throw Damaged(description: "the break book in \(store.displayName) holds \(count) breaks, more than \(BreakBook.maxBreaks): not what saba-recon writes")
            }
            var records: [BreakRecord] = []
            records.reserveCapacity(count)
            let decoder = JSONDecoder()
            for try await (id, text) in try await c.query("""
                SELECT break_id, CASE WHEN octet_length(record) <= \(Self.maxRecordBytes) THEN record END FROM saba_recon.breaks
                """, logger: store.logger).decode((String, String?).self) {
                let shown = SecretText.escapeControls(String(id.prefix(40)))
                guard let text else { throw Damaged(description: "break \(shown) in \(store.displayName) is longer than \(Self.maxRecordBytes) bytes: not what saba-recon writes") }
                let record: BreakRecord
                do { record = try decoder.decode(BreakRecord.self, from: Data(text.utf8)) } catch {
                    throw Damaged(description: "break \(shown) in \(store.displayName) is unreadable: \(error)")
                }
                guard record.breakId == id else {
                    throw Damaged(description: "break \(shown) in \(store.displayName) is stored under an id that is not its key's (\(record.breakId))")
                }
                records.append(record)
            }
            return (BreakBook(records), version)
        }
        seen.version.withLock { $0 = version }
        return book
    }

    public func appliedNight(_ runId: String) throws -> [BreakBook.Annotation]? {
        let found: (String?, Int)? = try store.sync("read the break book's night") { [store] in
            let c = try await store.connection(0)
            for try await row in try await c.query("""
                SELECT CASE WHEN octet_length(annotations) <= \(Self.maxNightBytes) THEN annotations END, octet_length(annotations)
                FROM saba_recon.break_nights WHERE run_id = \(runId)
                """, logger: store.logger).decode((String?, Int).self) { return row }
            return nil
        }
        guard let (stored, size) = found else { return nil }
        guard let text = stored else {
            throw Damaged(description: "the break book's night of run \(runId) in \(store.displayName) is \(size) bytes, more than \(Self.maxNightBytes): not what saba-recon writes")
        }
        do {
            return try JSONDecoder().decode([BreakBookStore.StoredAnnotation].self, from: Data(text.utf8)).map { try $0.annotation }
        } catch {
            throw Damaged(description: "the break book's night of run \(runId) in \(store.displayName) is unreadable: \(error)")
        }
    }

    @discardableResult
    public func apply(_ night: BreakBook.Night, runId: String, at: Date) throws -> Bool {
        let annotations = String(decoding: try JSONEncoder().encode(night.annotations.map(BreakBookStore.StoredAnnotation.init)), as: UTF8.self)
        let (ids, records) = try Self.rows(night.book, only: nil)
        let events = try night.events.map(Self.row)
        let loaded = seen.version.withLock { $0 }
        return try write("apply run \(runId)'s night to the break book", rows: ids.count) { [store] c in
            var applied = false
            for try await _ in try await c.query("SELECT 1 FROM saba_recon.break_nights WHERE run_id = \(runId)", logger: store.logger).decode(Int.self) { applied = true }
            if applied { return false }
            var records = records
            if let loaded {
                let now = try await Self.version(c, store: store)
                if now.nights != loaded.nights {
                    throw Damaged(description: "another run applied its night to the break book in \(store.displayName) while run \(runId) was publishing; its night is not applied: run --resume \(runId) applies it on the book as it is now")
                }
                if now.lastEvent != loaded.lastEvent {
                    // People acknowledged or withdrew since the night was judged: their acts stay.
                    var book = night.book
                    book.keepAcknowledgements(of: try await Self.touched(since: loaded.lastEvent, on: c, store: store))
                    records = try Self.rows(book, only: nil).1
                }
            }
            try await Self.save(ids, records, on: c, store: store)
            try await Self.insert(events, on: c, store: store)
            for try await _ in try await c.query("""
                INSERT INTO saba_recon.break_nights (run_id, applied_at, annotations) VALUES (\(runId), \(at.timeIntervalSince1970), \(annotations))
                """, logger: store.logger) {}
            return true
        }
    }

    public func record(_ events: [BreakEvent], book: BreakBook) throws {
        let (ids, records) = try Self.rows(book, only: Set(events.map(\.breakId)))
        let rows = try events.map(Self.row)
        let loaded = seen.version.withLock { $0 }
        _ = try write("record acknowledgements in the break book", rows: ids.count) { [store] c in
            if let loaded, try await Self.version(c, store: store) != loaded {
                throw Damaged(description: "the break book in \(store.displayName) changed while this command worked (a run's night, or another person's acknowledgement); nothing was written: run the command again")
            }
            try await Self.save(ids, records, on: c, store: store)
            try await Self.insert(rows, on: c, store: store)
            return true
        }
    }

    public func events(of breakId: String?) throws -> [BreakEvent] {
        let texts: [String] = try store.sync("read the break book's trail") { [store] in
            let c = try await store.connection(0)
            var out: [String] = []
            let rows = if let breakId {
                try await c.query("SELECT left(event, \(Self.maxRecordBytes)::integer) FROM saba_recon.break_events WHERE break_id = \(breakId) ORDER BY id LIMIT \(Self.maxEvents + 1)", logger: store.logger)
            } else {
                try await c.query("SELECT left(event, \(Self.maxRecordBytes)::integer) FROM saba_recon.break_events ORDER BY id LIMIT \(Self.maxEvents + 1)", logger: store.logger)
            }
            for try await text in rows.decode(String.self) { out.append(text) }
            guard out.count <= Self.maxEvents else {
                throw Damaged(description: "the break book's trail in \(store.displayName) holds more than \(Self.maxEvents) events: not what saba-recon writes")
            }
            return out
        }
        let decoder = JSONDecoder()
        return try texts.map { text in
            do { return try decoder.decode(BreakEvent.self, from: Data(text.utf8)) } catch {
                throw Damaged(description: "an event in the break book in \(store.displayName) is unreadable: \(error)")
            }
        }
    }

    /// The stored records of the breaks people's events touched after event `lastEvent`.
    static func touched(since lastEvent: Int64, on c: PostgresConnection, store: SharedRunStore) async throws -> [BreakRecord] {
        var out: [BreakRecord] = []
        let decoder = JSONDecoder()
        for try await (id, text) in try await c.query("""
            SELECT break_id, CASE WHEN octet_length(record) <= \(maxRecordBytes) THEN record END FROM saba_recon.breaks
            WHERE break_id IN (SELECT break_id FROM saba_recon.break_events WHERE id > \(lastEvent))
            """, logger: store.logger).decode((String, String?).self) {
            guard let text, let record = try? decoder.decode(BreakRecord.self, from: Data(text.utf8)), record.breakId == id else {
                throw Damaged(description: "break \(SecretText.escapeControls(String(id.prefix(40)))) in \(store.displayName) is unreadable or not what saba-recon writes")
            }
            out.append(record)
        }
        return out
    }

    /// One transaction under the book's advisory lock; rolled back on any error.
    func write(_ what: String, rows: Int, _ body: @escaping @Sendable (PostgresConnection) async throws -> Bool) throws -> Bool {
        // Ten seconds per batch on top: far more than saving one takes.
        try store.sync(what, timeout: store.operationTimeout + Double(rows / Self.rowsPerStatement) * 10) { [store] in
            let c = try await store.connection(0)
            _ = try await c.query("BEGIN", logger: store.logger)
            do {
                for try await _ in try await c.query("SELECT pg_advisory_xact_lock(\(Self.writeLock))", logger: store.logger) {}
                let done = try await body(c)
                for try await _ in try await c.query(done ? "COMMIT" : "ROLLBACK", logger: store.logger) {}
                return done
            } catch {
                if !c.isClosed && !StoreFailure.isRetryable(error) { _ = try? await c.query("ROLLBACK", logger: store.logger) }
                throw error
            }
        }
    }

    static func rows(_ book: BreakBook, only: Set<String>?) throws -> ([String], [String]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var ids: [String] = [], records: [String] = []
        for (id, record) in book.breaks.sorted(by: { $0.key < $1.key }) where only?.contains(id) ?? true {
            ids.append(id)
            records.append(String(decoding: try encoder.encode(record), as: UTF8.self))
        }
        return (ids, records)
    }

    static func row(_ event: BreakEvent) throws -> (String, String) {
        (event.breakId, String(decoding: try JSONEncoder().encode(event), as: UTF8.self))
    }

    static func save(_ ids: [String], _ records: [String], on c: PostgresConnection, store: SharedRunStore) async throws {
        var start = 0
        while start < ids.count {
            let end = min(ids.count, start + Self.rowsPerStatement)
            for try await _ in try await c.query("""
                INSERT INTO saba_recon.breaks (break_id, record)
                SELECT * FROM unnest(\(Array(ids[start..<end]))::text[], \(Array(records[start..<end]))::text[])
                ON CONFLICT (break_id) DO UPDATE SET record = excluded.record
                """, logger: store.logger) {}
            start = end
        }
    }

    static func insert(_ events: [(String, String)], on c: PostgresConnection, store: SharedRunStore) async throws {
        guard !events.isEmpty else { return }
        for try await _ in try await c.query("""
            INSERT INTO saba_recon.break_events (break_id, event)
            SELECT e.break_id, e.event FROM unnest(\(events.map(\.0))::text[], \(events.map(\.1))::text[]) WITH ORDINALITY AS e(break_id, event, n) ORDER BY e.n
            """, logger: store.logger) {}
    }
}
