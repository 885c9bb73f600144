import Foundation
import Hummingbird
import MachiCore
import MachiGeometry
import MachiSewer

extension QueryParameterError: QueryParameterErrorConvertible {
    var problem: Problem { .badParameter(parameter, message) }
}

/// Typed access to a request's query string with precise 400s: unknown, repeated,
/// malformed and out-of-range parameters are all named.
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ request: Request, allowed: Set<String>) throws {
        for (k, v) in request.uri.queryParameters {
            let key = String(k)
            guard allowed.contains(key) else {
                throw Problem.badParameter(key, "unknown parameter; allowed: \(allowed.sorted().joined(separator: ", "))")
            }
            guard values[key] == nil else { throw Problem.badParameter(key, "given more than once") }
            values[key] = String(v)
        }
    }

    func string(_ name: String, maxLength: Int = 200) throws -> String? {
        guard let v = values[name], !v.isEmpty else { return nil }
        guard v.count <= maxLength else { throw Problem.badParameter(name, "longer than \(maxLength) characters") }
        return v
    }

    func int(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let v = values[name], !v.isEmpty else { return nil }
        guard let i = Int(v) else { throw Problem.badParameter(name, "\"\(v.prefix(40))\" is not an integer") }
        guard range.contains(i) else { throw Problem.badParameter(name, "\(i) is outside \(range.lowerBound)…\(range.upperBound)") }
        return i
    }

    func double(_ name: String, range: ClosedRange<Double>) throws -> Double? {
        guard let v = values[name], !v.isEmpty else { return nil }
        guard let d = Double(v), d.isFinite else { throw Problem.badParameter(name, "\"\(v.prefix(40))\" is not a number") }
        guard range.contains(d) else { throw Problem.badParameter(name, "\(d) is outside \(range.lowerBound)…\(range.upperBound)") }
        return d
    }

    func required<T>(_ name: String, _ value: T?) throws -> T {
        guard let value else { throw Problem.badParameter(name, "required") }
        return value
    }

    func oneOf(_ name: String, _ options: [String]) throws -> String? {
        guard let v = try string(name) else { return nil }
        guard options.contains(v) else {
            throw Problem.badParameter(name, "\"\(v.prefix(40))\" is not one of \(options.joined(separator: ", "))")
        }
        return v
    }

    /// `minLon,minLat,maxLon,maxLat` in CRS84.
    func bbox(_ name: String = "bbox") throws -> BoundingBox? {
        guard let v = try string(name) else { return nil }
        let parts = v.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, parts.allSatisfy({ $0?.isFinite == true }) else {
            throw Problem.badParameter(name, "expected four numbers minLon,minLat,maxLon,maxLat")
        }
        let b = BoundingBox(minX: parts[0]!, minY: parts[1]!, maxX: parts[2]!, maxY: parts[3]!)
        guard b.minX >= -180, b.maxX <= 180, b.minY >= -90, b.maxY <= 90 else {
            throw Problem.badParameter(name, "outside -180,-90,180,90")
        }
        guard b.minX <= b.maxX, b.minY <= b.maxY else { throw Problem.badParameter(name, "min must not exceed max") }
        return b
    }
}
