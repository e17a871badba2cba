import Foundation
import NIOCore
import PostgresNIO
import SabaReconCore

/// Reads ledger cells straight from PostgreSQL's wire bytes: `numeric` from its base-10000
/// digits into `Money` with no `Decimal` or text in between, timestamps from their
/// microseconds, integers and floats from their binary form, text as its UTF-8 bytes.
/// Text-format cells (a server or pooler that answers in text) are parsed from their text.
enum PostgresCellReader {
    /// 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix seconds.
    static let postgresEpoch: Double = 946_684_800

    static func string(_ cell: PostgresCell) -> String? {
        guard let bytes = cell.bytes else { return nil }
        return String(buffer: bytes)
    }

    static func amount(_ cell: PostgresCell, entryId: String) throws -> Money {
        guard let buffer = cell.bytes else { throw LedgerError("ledger entry \(entryId): amount is empty") }
        if cell.dataType == .numeric && cell.format == .binary {
            guard let m = numeric(buffer) else {
                throw LedgerError("ledger entry \(entryId): amount is not an exact amount (NaN, infinite, or more than \(Money.maxIntegerDigits) integer or \(Money.fractionDigits) fraction digits)")
            }
            return m
        }
        return try buffer.withUnsafeReadableBytes { raw in
            try LedgerSchema.parseAmount(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count), entryId: entryId)
        }
    }

    static func time(_ cell: PostgresCell, entryId: String) throws -> Date {
        guard var buffer = cell.bytes else { throw LedgerError("ledger entry \(entryId): created_at is empty") }
        if cell.format == .binary {
            switch cell.dataType {
            case .timestamptz, .timestamp:
                guard let micros = buffer.readInteger(as: Int64.self) else { break }
                guard micros != Int64.max && micros != Int64.min else { throw LedgerError("ledger entry \(entryId): created_at is infinity") }
                return Date(timeIntervalSince1970: postgresEpoch + Double(micros) / 1_000_000)
            case .int8:
                if let v = buffer.readInteger(as: Int64.self) { return Date(timeIntervalSince1970: Double(v)) }
            case .int4:
                if let v = buffer.readInteger(as: Int32.self) { return Date(timeIntervalSince1970: Double(v)) }
            case .int2:
                if let v = buffer.readInteger(as: Int16.self) { return Date(timeIntervalSince1970: Double(v)) }
            case .float8:
                if let bits = buffer.readInteger(as: UInt64.self) { return Date(timeIntervalSince1970: Double(bitPattern: bits)) }
            case .float4:
                if let bits = buffer.readInteger(as: UInt32.self) { return Date(timeIntervalSince1970: Double(Float(bitPattern: bits))) }
            case .numeric:
                if let m = numeric(buffer) { return Date(timeIntervalSince1970: m.seconds(perUnit: 1)) }
            default:
                break
            }
        }
        return try buffer.withUnsafeReadableBytes { raw in
            let bytes = UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)
            guard bytes.count > 0 else { throw LedgerError("ledger entry \(entryId): created_at is empty") }
            return try LedgerSchema.parseTime(bytes, entryId: entryId)
        }
    }

    /// PostgreSQL's binary `numeric`: ndigits, weight, sign, dscale (int16 each), then ndigits
    /// base-10000 digits, digit i worth 10000^(weight - i). nil for NaN, infinities, or a
    /// value `Money` cannot hold exactly.
    static func numeric(_ buffer: ByteBuffer) -> Money? {
        var b = buffer
        guard let ndigits = b.readInteger(as: Int16.self), let weight = b.readInteger(as: Int16.self),
              let sign = b.readInteger(as: UInt16.self), b.readInteger(as: Int16.self) != nil, ndigits >= 0 else { return nil }
        guard sign == 0x0000 || sign == 0x4000 else { return nil }
        var units: Int128 = 0
        // One unit of Money is 10^-12: three base-10000 digits after the point.
        let limit: Int128 = 1_000_000_000_000_000_000_000_000_000  // 10^27: 15 integer digits of 10^12 units
        for i in 0..<Int(ndigits) {
            guard let d = b.readInteger(as: Int16.self), d >= 0, d < 10_000 else { return nil }
            let power = Int(weight) - i  // this digit is worth 10000^power
            if power < -3 {
                if d != 0 { return nil }
                continue
            }
            // A digit at 10000^5 is already past 15 integer digits (and keeps Int128 far from overflow).
            guard power <= 4 else { return nil }
            var scale: Int128 = 1
            for _ in 0..<(power + 3) { scale *= 10_000 }
            units += Int128(d) * scale
            guard units < limit else { return nil }
        }
        return Money(units: sign == 0x4000 ? -units : units)
    }
}
