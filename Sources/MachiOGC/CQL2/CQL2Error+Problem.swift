public import MachiHTTP

extension CQL2Error: ProblemConvertible {
    public var problem: Problem {
        Problem(
            .badRequest, "Invalid filter", detail: "filter: \(message) at position \(position)", parameter: "filter", position: position)
    }
}
