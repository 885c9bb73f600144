public import MachiCore
import MachiHTTP

/// Applies each layer's `access` rule to a caller. Anonymous callers get the same 404 for
/// a staff layer as for a name that does not exist, so they cannot learn which staff layers
/// exist; signed-in staff without the role get 403.
public struct LayerGate: Sendable {
    public let catalog: LayerCatalog

    public init(catalog: LayerCatalog) { self.catalog = catalog }

    public func visible(to user: StaffUser?) -> [LayerDefinition] {
        catalog.layers.filter { $0.access.allows(user) }
    }

    public func layer(_ name: String, for user: StaffUser?, noun: String = "collection") throws -> LayerDefinition {
        guard let layer = catalog[name], layer.access.isPublic || user != nil else {
            throw Problem.notFound("no \(noun) \(name.prefix(80))")
        }
        guard layer.access.allows(user) else {
            var roles = ""
            if case .roles(let names) = layer.access { roles = names.joined(separator: " or ") }
            throw Problem(.forbidden, "Forbidden", detail: "\(noun) \(name) needs the role \(roles)")
        }
        return layer
    }
}
