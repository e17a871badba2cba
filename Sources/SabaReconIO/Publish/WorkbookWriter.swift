import CXlsxWriter
import Foundation
import SabaReconCore

/// Writes a `Workbook` with libxlsxwriter: the only code that knows the xlsx format.
/// Constant-memory mode streams rows to a temporary file (in the run folder, not /tmp),
/// so a run with a million discrepancies does not hold a second copy of them in memory.
struct WorkbookWriter {
    struct WriteError: Error, Sendable, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The workbook's bytes, built in `scratch` (a folder) and read back.
    static func data(_ workbook: Workbook, scratch: URL) throws -> Data {
        let path = scratch.appendingPathComponent(".discrepancies.xlsx.\(getpid()).build").path
        defer { unlink(path) }
        try write(workbook, to: path, tmpdir: scratch.path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WriteError(message: "cannot read back the workbook \(path)")
        }
        return data
    }

    static func write(_ workbook: Workbook, to path: String, tmpdir: String) throws {
        let tmp = strdup(tmpdir)
        defer { free(tmp) }
        var options = lxw_workbook_options(constant_memory: UInt8(LXW_TRUE.rawValue), tmpdir: tmp, use_zip64: UInt8(LXW_FALSE.rawValue))
        guard let book = workbook_new_opt(path, &options) else {
            throw WriteError(message: "cannot create the workbook \(path): \(String(cString: strerror(errno)))")
        }
        var strings = CStrings()
        defer { strings.free() }
        var props = lxw_doc_properties()
        props.title = strings.make(workbook.properties.title)
        props.subject = strings.make(workbook.properties.subject)
        props.author = strings.make("saba-recon")
        props.comments = strings.make(workbook.properties.comments)
        props.created = time_t(workbook.properties.created.timeIntervalSince1970.rounded(.down))
        var failure: lxw_error = LXW_NO_ERROR
        func check(_ e: lxw_error) { if failure == LXW_NO_ERROR && e != LXW_NO_ERROR { failure = e } }
        check(workbook_set_properties(book, &props))
        for pair in workbook.properties.custom { check(workbook_set_custom_property_string(book, pair.name, pair.value)) }

        let formats = Formats(book)
        for sheet in workbook.sheets {
            guard let ws = workbook_add_worksheet(book, sheet.name) else {
                failure = LXW_ERROR_MEMORY_MALLOC_FAILED
                break
            }
            for (i, column) in sheet.columns.enumerated() {
                check(worksheet_set_column(ws, lxw_col_t(i), lxw_col_t(i), Double(column.width), nil))
            }
            var row: lxw_row_t = 0
            for pair in sheet.preamble {
                check(worksheet_write_string(ws, row, 0, pair.name, formats.label))
                check(worksheet_write_string(ws, row, 1, pair.value, formats.text))
                row += 1
            }
            if !sheet.preamble.isEmpty { row += 1 }
            let header = row
            for (i, column) in sheet.columns.enumerated() {
                check(worksheet_write_string(ws, header, lxw_col_t(i), column.title, formats.header))
            }
            row += 1
            for cells in sheet.rows {
                for (i, cell) in cells.enumerated() { check(write(cell, ws, row, lxw_col_t(i), formats)) }
                row += 1
            }
            if let note = sheet.truncated {
                check(worksheet_write_string(ws, row, 0, note, formats.label))
            }
            worksheet_freeze_panes(ws, header + 1, 0)
            if !sheet.columns.isEmpty {
                // The filter covers the header and the data rows, never the truncation note.
                check(worksheet_autofilter(ws, header, 0, header + lxw_row_t(sheet.rows.count), lxw_col_t(sheet.columns.count - 1)))
            }
            if failure != LXW_NO_ERROR { break }
        }
        let closed = workbook_close(book)
        if failure == LXW_NO_ERROR { failure = closed }
        guard failure == LXW_NO_ERROR else {
            throw WriteError(message: "cannot write the workbook \(path): \(String(cString: lxw_strerror(failure)))")
        }
    }

    static func write(_ cell: Workbook.Cell, _ ws: UnsafeMutablePointer<lxw_worksheet>, _ row: lxw_row_t, _ col: lxw_col_t, _ formats: Formats) -> lxw_error {
        switch cell {
        case .text(let s): return worksheet_write_string(ws, row, col, s, formats.text)
        case .integer(let n): return worksheet_write_number(ws, row, col, Double(n), formats.integer)
        case .number(let v, let places): return worksheet_write_number(ws, row, col, v, formats.money(places))
        case .dateTime(let d):
            var dt = Self.components(d)
            return worksheet_write_datetime(ws, row, col, &dt, formats.dateTime)
        case .date(let day):
            var dt = Self.components(Date(timeIntervalSince1970: Double(day) * 86_400))
            return worksheet_write_datetime(ws, row, col, &dt, formats.date)
        case .blank: return LXW_NO_ERROR
        }
    }

    /// A UTC instant as the calendar fields a spreadsheet date is made of.
    static func components(_ date: Date) -> lxw_datetime {
        let t = date.timeIntervalSince1970
        let whole = Int(t.rounded(.down))
        let days = Int((Double(whole) / 86_400).rounded(.down))
        let secs = whole - days * 86_400
        let (y, m, d) = UTCTime.civilFromDays(days)
        return lxw_datetime(year: Int32(y), month: Int32(m), day: Int32(d), hour: Int32(secs / 3600), min: Int32(secs / 60 % 60),
                            sec: Double(secs % 60) + (t - Double(whole)))
    }

    /// The workbook's cell formats, made once (libxlsxwriter owns and frees them).
    final class Formats {
        let book: UnsafeMutablePointer<lxw_workbook>
        let header, label, text, integer, dateTime, date: UnsafeMutablePointer<lxw_format>?
        var moneyFormats: [Int: UnsafeMutablePointer<lxw_format>?] = [:]

        init(_ book: UnsafeMutablePointer<lxw_workbook>) {
            self.book = book
            header = workbook_add_format(book)
            format_set_bold(header)
            format_set_bottom(header, UInt8(LXW_BORDER_THIN.rawValue))
            label = workbook_add_format(book)
            format_set_bold(label)
            text = workbook_add_format(book)
            format_set_num_format(text, "@")
            integer = workbook_add_format(book)
            format_set_num_format(integer, "0")
            dateTime = workbook_add_format(book)
            format_set_num_format(dateTime, "yyyy-mm-dd hh:mm:ss")
            date = workbook_add_format(book)
            format_set_num_format(date, "yyyy-mm-dd")
        }

        func money(_ places: Int) -> UnsafeMutablePointer<lxw_format>? {
            if let f = moneyFormats[places] { return f }
            let f = workbook_add_format(book)
            format_set_num_format(f, places > 0 ? "#,##0." + String(repeating: "0", count: places) : "#,##0")
            moneyFormats[places] = f
            return f
        }
    }

    /// C strings that live until the workbook is closed.
    struct CStrings {
        var pointers: [UnsafeMutablePointer<CChar>] = []
        mutating func make(_ s: String) -> UnsafeMutablePointer<CChar>? {
            guard let p = strdup(s) else { return nil }
            pointers.append(p)
            return p
        }
        func free() { for p in pointers { Foundation.free(p) } }
    }
}
