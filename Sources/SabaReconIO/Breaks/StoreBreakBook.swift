import Foundation
import PostgresNIO
import SabaReconCore

/// The break book in the run store's schema (SPEC §9, with `--store`): every process of a
/// shared run, on any machine, publishes into one book, and `saba-recon breaks --store`
/// works it from anywhere. Each break is one row of JSON (`BreakRecord`), read back no
/// further than this job writes it (SPEC §6). Writes take one advisory lock, so a night and
/// a person's acknowledgement never interleave even across report roots.
public struct StoreBreakBook: BreakBookStorage {
    let store: SharedRunStore

    public init(_ store: SharedRunStore) {
        self.store = store
    }

    public var displayName: String { "the run store \(store.displayName)" }

    /// Closes the run store's connections: only for a store opened for the book alone.
    public func close() { store.close() }

    /// A stored record longer than this is not one this job wrote.
    static let maxRecordBytes = 64 << 10
    /// pg_advisory_xact_lock key of the book's writers (the migration lock is 727172).
    static let writeLock = 727_173

    public struct Damaged: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public func load() throws -> BreakBook {
        try store.sync("read the break book", timeout: store.operationTimeout + 600) { [store] in
            let c = try await store.connection(0)
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
            return BreakBook(records)
        }
    }

    public func appliedNight(_ runId: String) throws -> [BreakBook.Annotation]? {
        let text: String? = try store.sync("read the break book's night") { [store] in
            let c = try await store.connection(0)
            for try await text in try await c.query("SELECT annotations FROM saba_recon.break_nights WHERE run_id = \(runId)", logger: store.logger)
                .decode(String.self) { return text }
            return nil
        }
        guard let text else { return nil }
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
        return try write("apply run \(runId)'s night to the break book", rows: ids.count) { c in
            var applied = false
            for try await _ in try await c.query("SELECT 1 FROM saba_recon.break_nights WHERE run_id = \(runId)", logger: store.logger).decode(Int.self) { applied = true }
            if applied { return false }
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
        _ = try write("record acknowledgements in the break book", rows: ids.count) { c in
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
                try await c.query("SELECT event FROM saba_recon.break_events WHERE break_id = \(breakId) ORDER BY id", logger: store.logger)
            } else {
                try await c.query("SELECT event FROM saba_recon.break_events ORDER BY id", logger: store.logger)
            }
            for try await text in rows.decode(String.self) { out.append(text) }
            return out
        }
        let decoder = JSONDecoder()
        return try texts.map { text in
            do { return try decoder.decode(BreakEvent.self, from: Data(text.utf8)) } catch {
                throw Damaged(description: "an event in the break book in \(store.displayName) is unreadable: \(error)")
            }
        }
    }

    /// One transaction under the book's advisory lock; rolled back on any error.
    func write(_ what: String, rows: Int, _ body: @escaping @Sendable (PostgresConnection) async throws -> Bool) throws -> Bool {
        // Ten seconds per batch on top: far more than saving one takes.
        try store.sync(what, timeout: store.operationTimeout + Double(rows / SharedRunStore.batchSize) * 10) { [store] in
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
            let end = min(ids.count, start + SharedRunStore.batchSize)
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
