import Mustache

// The page's tables are read by name instead of through reflection: with a daily table of
// 180 days and a dozen currencies, Mirror was 90% of report.html's rendering time.
extension HTMLReport.Cell: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "numeric": numeric
        default: nil
        }
    }
}

extension HTMLReport.Row: MustacheParent {
    public func child(named name: String) -> Any? { name == "cells" ? cells : nil }
}

extension HTMLReport.Table: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "columns": columns
        case "rows": rows
        case "empty": empty
        default: nil
        }
    }
}
