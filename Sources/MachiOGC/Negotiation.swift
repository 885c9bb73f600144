import Foundation
import HTTPTypes
import Hummingbird
import MachiHTTP

/// Response format by `f=` first, then the Accept header: browsers get HTML, GIS clients
/// (which ask for JSON or send `*/*`) get JSON.
public enum OutputFormat: String, Sendable {
    case json, html

    static func choose(_ query: QueryParameters, _ request: Request) throws -> OutputFormat {
        if let f = try query.oneOf("f", ["json", "html", "geojson"]) { return f == "html" ? .html : .json }
        guard let accept = request.headers[.accept] else { return .json }
        var html = 0.0
        var json = 0.0
        for item in accept.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = parts.first else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            switch type {
            case "text/html", "application/xhtml+xml": html = max(html, q)
            case "application/json", "application/geo+json", "application/schema+json", "application/problem+json": json = max(json, q)
            case _ where type.hasSuffix("+json"): json = max(json, q)
            case "*/*", "application/*": json = max(json, q)
            default: break
            }
        }
        return html > json ? .html : .json
    }
}

extension Request {
    /// `http://host[:port]` as the client reached us, for absolute links (GDAL and QGIS
    /// follow links as given). Behind a TLS proxy, `X-Forwarded-Proto: https` is honoured.
    var baseURL: String {
        let proto = headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https" ? "https" : "http"
        let host = head.authority ?? "localhost"
        let safe = host.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || "0123456789.-:[]".unicodeScalars.contains($0))
        }
        return "\(proto)://\(safe ? host : "localhost")"
    }
}
