import Hummingbird

/// Serves the web pages, but lets API requests through without looking at the disk.
/// `FileMiddleware` probes the file system (on NIO's thread pool) for every path it sees;
/// on `/api/sewer/nearest` that probe cost more than the query itself.
struct StaticFiles<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>
    /// Path prefixes that are never files.
    static var dynamic: [String] { ["/api/", "/ogc", "/tiles/", "/healthz"] }

    init(_ root: String) {
        files = FileMiddleware(root, searchForIndexHtml: true)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if Self.dynamic.contains(where: { path.hasPrefix($0) }) { return try await next(request, context) }
        return try await files.handle(request, context: context, next: next)
    }
}
