import HTTPTypes
import Hummingbird
import MachiHTTP

/// Marks every answer of a staff route `Cache-Control: private, no-store`, errors included:
/// plates, case lists and CSRF tokens must not stay in a shared cache or on a phone's disk
/// after the session ends.
struct NoStoreMiddleware<Context: RequestContext>: RouterMiddleware {
    static var value: String { "private, no-store" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            response.headers[.cacheControl] = Self.value
            return response
        } catch var p as Problem {
            p.extraHeaders[.cacheControl] = Self.value
            throw p
        } catch let e as any ProblemConvertible {
            var p = e.problem
            p.extraHeaders[.cacheControl] = Self.value
            throw p
        }
    }
}
