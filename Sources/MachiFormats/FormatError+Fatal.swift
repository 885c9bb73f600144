extension FormatError {
    /// An error after which the reader cannot find the next feature, so the import must stop.
    static func fatal(_ location: SourceLocation, field: String? = nil, _ message: String) -> FormatError {
        var error = FormatError(location, field: field, message)
        error.isRecoverable = false
        return error
    }
}
