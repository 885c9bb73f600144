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

/// Where absolute links in OGC documents and TileJSON point. With `serve --public-url`, always
/// there. Without it, at the Host (and `X-Forwarded-Proto`) the request came with; those answers
/// say `Vary: Host, X-Forwarded-Proto`, so a shared cache never hands one host's links (any
/// client can send any Host) to clients of another.
public struct LinkBase: Sendable {
    public let publicURL: String?

    /// Links at the request's own Host.
    public static let fromRequest = LinkBase()

    private init() { publicURL = nil }

    /// - Throws: `LinkBaseError` unless `publicURL` is an absolute http(s) URL without query,
    ///   fragment or credentials.
    public init(publicURL: String?) throws {
        guard let text = publicURL else {
            self.publicURL = nil
            return
        }
        guard let u = URLComponents(string: text), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = u.host, !host.isEmpty
        else { throw LinkBaseError("--public-url must be an absolute http:// or https:// URL, not \"\(text.prefix(80))\"") }
        guard u.query == nil, u.fragment == nil, u.user == nil, u.password == nil else {
            throw LinkBaseError("--public-url must not hold a query, a fragment or credentials: \"\(text.prefix(80))\"")
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        self.publicURL = base
    }

    func base(_ request: Request) -> String { publicURL ?? request.baseURL }

    /// The headers links depend on, for `Vary`; none with a fixed public URL.
    var varyOn: [String] { publicURL == nil ? ["Host", "X-Forwarded-Proto"] : [] }

    /// Adds `varyOn` to the answer's `Vary`.
    func vary(_ response: Response) -> Response {
        guard !varyOn.isEmpty else { return response }
        var r = response
        let old = r.headers[.vary].map { [$0] } ?? []
        r.headers[.vary] = (old + varyOn).joined(separator: ", ")
        return r
    }
}

public struct LinkBaseError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
