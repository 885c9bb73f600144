/// What went wrong, in terms the HTTP layer and the CLI can each answer with: a missing
/// election (404, and also what the public sees for an unpublished one), a caller without
/// the role (403), input a caller can fix (400 naming the parameter) or a state conflict.
public struct ElectionError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case notFound
        case forbidden
        case invalid(parameter: String)
        case conflict
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String {
        if case .invalid(let p) = kind { return "\(p): \(message)" }
        return message
    }

    public static func invalid(_ parameter: String, _ message: String) -> ElectionError {
        ElectionError(.invalid(parameter: parameter), message)
    }
}
