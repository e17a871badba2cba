import Crypto
import Foundation
import Mustache

/// Renders `HTMLReport` into the one self-contained page, through swift-mustache.
public struct HTMLReportRenderer: Sendable {
    struct RenderError: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    let library: MustacheLibrary

    public init() throws {
        var library = MustacheLibrary()
        // Escaping by byte, not by Character (HTMLText): the templates select it by name.
        _ = HTMLText.registered
        do {
            try library.register(HTMLReportTemplate.text, named: "page")
            try library.register(HTMLReportTemplate.table, named: "table")
        } catch {
            throw RenderError(description: "report.html template: \(error)")
        }
        self.library = library
    }

    /// The CSP source that allows exactly the page's own script.
    static let scriptHash = "sha256-" + Data(Crypto.SHA256.hash(data: Data(HTMLReportTemplate.script.utf8))).base64EncodedString()

    struct Document {
        var page: HTMLReport
        var script: String
        var scriptHash: String
    }

    public func render(_ page: HTMLReport) throws -> String {
        guard let html = library.render(Document(page: page, script: HTMLReportTemplate.script, scriptHash: Self.scriptHash), withTemplate: "page") else {
            throw RenderError(description: "report.html template missing")
        }
        return html
    }
}
