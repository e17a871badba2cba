import Foundation
import GRDB
import GRDBSQLite
import SabaReconCore

/// A prepared statement driven through SQLite's C API: bind, step, read columns, reset,
/// with no per-row argument arrays or `Row` objects. The hot loops of staging and the
/// match walk use it; everything else goes through GRDB as usual.
struct RawStatement {
    let statement: Statement
    var handle: SQLiteStatement { statement.sqliteStatement }
    /// Asks SQLite to copy bound text, so the Swift buffer may go away after the call.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
    }

    // MARK: binding (1-based, as SQLite counts)

    func bind(_ i: Int32, _ value: String?) {
        guard var value else { sqlite3_bind_null(handle, i); return }
        value.withUTF8 { b in
            _ = b.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, i, $0.baseAddress, Int32(b.count), Self.transient) }
        }
    }

    func bind(_ i: Int32, _ value: Int64?) {
        guard let value else { sqlite3_bind_null(handle, i); return }
        sqlite3_bind_int64(handle, i, value)
    }

    func bind(_ i: Int32, _ value: Int?) { bind(i, value.map(Int64.init)) }

    /// Bytes bound in place (SQLITE_STATIC): valid only until the statement next runs, so
    /// the caller steps it inside the buffer's scope.
    func bind(_ i: Int32, blob: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(handle, i, blob.baseAddress, Int32(blob.count), nil)
    }
    func bind(_ i: Int32, _ value: Bool) { sqlite3_bind_int64(handle, i, value ? 1 : 0) }

    func bind(_ i: Int32, _ value: Double?) {
        guard let value else { sqlite3_bind_null(handle, i); return }
        sqlite3_bind_double(handle, i, value)
    }

    /// Money as INTEGER millionths; the rare amount that is not a whole number of them as text.
    func bind(_ i: Int32, _ value: Money?) {
        guard let value else { sqlite3_bind_null(handle, i); return }
        if let micros = value.micros { sqlite3_bind_int64(handle, i, micros) } else { bind(i, value.compact) }
    }

    /// Runs a bound insert or update; resets it for the next row.
    func execute(_ db: Database) throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    /// Steps a query: true while there is a row to read.
    func next(_ db: Database) throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }

    func reset() { sqlite3_reset(handle); sqlite3_clear_bindings(handle) }

    // MARK: columns (0-based, as SQLite counts)

    func isNull(_ c: Int32) -> Bool { sqlite3_column_type(handle, c) == SQLITE_NULL }
    /// SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
    func type(_ c: Int32) -> Int32 { sqlite3_column_type(handle, c) }

    func int(_ c: Int32) -> Int64 { sqlite3_column_int64(handle, c) }
    func optionalInt(_ c: Int32) -> Int64? { isNull(c) ? nil : int(c) }
    func double(_ c: Int32) -> Double { sqlite3_column_double(handle, c) }
    func optionalDouble(_ c: Int32) -> Double? { isNull(c) ? nil : double(c) }

    /// The column's bytes as SQLite holds them (valid until the next step).
    func bytes(_ c: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let p = sqlite3_column_text(handle, c) else { return nil }
        return UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(handle, c)))
    }

    func text(_ c: Int32) -> String? { bytes(c).map { String(decoding: $0, as: UTF8.self) } }

    /// A BLOB column's bytes as SQLite holds them (valid until the next step); empty for NULL.
    func blob(_ c: Int32) -> UnsafeRawBufferPointer {
        let p = sqlite3_column_blob(handle, c)
        return UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(handle, c)))
    }
    func string(_ c: Int32) -> String { text(c) ?? "" }

    /// Money stored by `bind(_:_: Money?)`: INTEGER millionths, or exact text.
    func money(_ c: Int32) -> Money? {
        switch sqlite3_column_type(handle, c) {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: return Money(micros: sqlite3_column_int64(handle, c))
        default: return bytes(c).flatMap { Money.parse(bytes: $0) }
        }
    }
}
