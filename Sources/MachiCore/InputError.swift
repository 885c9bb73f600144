/// Input a caller can fix: the HTTP layer answers it with a 400 problem naming `parameter`
/// (a query parameter or a body field).
public struct QueryParameterError: Error, Sendable, CustomStringConvertible {
    public var parameter: String
    public var message: String

    public init(_ parameter: String, _ message: String) {
        self.parameter = parameter
        self.message = message
    }

    public var description: String { "\(parameter): \(message)" }
}
