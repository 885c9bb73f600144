import Foundation
public import HTTPTypes
public import Hummingbird
import MachiCore

/// An RFC 9457 problem answered by the OGC and tile routes themselves, so a filter error
/// can carry the `position` of the mistake next to the `parameter` it is in.
public struct OGCProblem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    public var parameter: String?
    public var position: Int?

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, parameter: String? = nil, position: Int? = nil) {
        self.status = status
        self.title = title
        self.detail = detail
        self.parameter = parameter
        self.position = position
    }

    public static func badParameter(_ name: String, _ detail: String) -> OGCProblem {
        OGCProblem(.badRequest, "Invalid parameter", detail: "\(name): \(detail)", parameter: name)
    }

    public static func badFilter(_ e: CQL2Error, parameter: String = "filter") -> OGCProblem {
        OGCProblem(
            .badRequest, "Invalid filter", detail: "\(parameter): \(e.message) at position \(e.position)", parameter: parameter,
            position: e.position)
    }

    public static func notFound(_ detail: String) -> OGCProblem {
        OGCProblem(.notFound, "Not found", detail: detail)
    }

    public var json: String {
        var out = "{\"type\":\"about:blank\",\"title\":"
        GeoJSONWriter.escape(title, into: &out)
        out += ",\"status\":\(status.code),\"detail\":"
        GeoJSONWriter.escape(detail, into: &out)
        if let parameter {
            out += ",\"parameter\":"
            GeoJSONWriter.escape(parameter, into: &out)
        }
        if let position { out += ",\"position\":\(position)" }
        return out + "}"
    }

    public var response: Response {
        Response(status: status, headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// Runs a handler and answers the caller's mistakes as problems; anything else goes on
    /// to the server's problem middleware, which logs it and answers 500.
    static func answering(_ body: () throws -> Response) throws -> Response {
        do {
            return try body()
        } catch let p as OGCProblem {
            return p.response
        } catch let e as CQL2Error {
            return badFilter(e).response
        } catch let e as QueryParameterError {
            return badParameter(e.parameter, e.message).response
        }
    }
}
