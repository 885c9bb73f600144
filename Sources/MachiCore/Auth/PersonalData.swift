/// How a caller reads a layer, which decides whether personal attributes come along.
public enum ReadScope: Sendable {
    /// One record, opened by staff who work it (a parking case): every attribute.
    case single
    /// Lists, OGC items, exports: personal attributes for admins only.
    case bulk
    /// Vector tiles, cached and exported as files: never personal attributes.
    case tile
}

extension LayerDefinition {
    /// The layer as `user` may read it in `scope`: the same definition without its
    /// `personal: true` attributes where they must not go. Callers select, filter and write
    /// through this view, so an attribute left out cannot be read, filtered on or sorted by.
    public func view(for user: StaffUser?, _ scope: ReadScope) -> LayerDefinition {
        let keep =
            switch scope {
            case .single: true
            case .bulk: user?.role == .admin
            case .tile: false
            }
        guard !keep, attributes.contains(where: \.personal) else { return self }
        var v = self
        v.attributes.removeAll(where: \.personal)
        return v
    }
}
