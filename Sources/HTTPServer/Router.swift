#if canImport(Glibc)
import Glibc
#endif

/// A request handler. Throwing an `HTTPError` (or any error) produces the JSON error response.
public typealias Handler = @Sendable (Request) throws -> Reply

/// Cross-cutting work around handlers (auth, limits, headers): call `next` to go on.
public protocol Middleware: Sendable {
    func handle(_ request: Request, next: (Request) throws -> Reply) throws -> Reply
}

/// Maps method + path pattern (`/ideas/{id}/votes`) to a handler, segment by segment
/// through a small trie: no regular expressions, no string building on the hot path.
/// `@unchecked Sendable`: routes and middleware are added before the server starts and only
/// read afterwards (frozen after start).
public final class Router: @unchecked Sendable {
    final class Node {
        /// Literal children as bytes: a node has a handful, and comparing lengths then bytes
        /// is cheaper than hashing each request's segment for a dictionary.
        var literals: [(key: [UInt8], node: Node)] = []
        var parameter: (name: String, node: Node)?
        /// A struct around the closure: a dictionary keeps bare closures in its generic form,
        /// and taking one out wrapped it in a thunk (an allocation per request).
        struct Route {
            let handler: Handler
        }
        var handlers: [HTTPMethod: Route] = [:]
        var pattern = ""

        func literal(_ bytes: UnsafeBufferPointer<UInt8>) -> Node? {
            guard let base = bytes.baseAddress else { return nil }
            for entry in literals where entry.key.count == bytes.count {
                if entry.key.withUnsafeBufferPointer({ memcmp($0.baseAddress!, base, bytes.count) == 0 }) {
                    return entry.node
                }
            }
            return nil
        }
    }

    public enum Match {
        case found(Handler, Parameters, pattern: String)
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    private let root = Node()
    private var middlewares: [Middleware] = []

    public init() {}

    /// Registers `handler`; `{name}` segments capture a path parameter.
    public func on(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        var node = root
        for segment in pattern.split(separator: "/", omittingEmptySubsequences: true) {
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                if let existing = node.parameter {
                    precondition(existing.name == name, "conflicting parameter names at \(pattern)")
                    node = existing.node
                } else {
                    let child = Node()
                    node.parameter = (name, child)
                    node = child
                }
            } else {
                let key = Array(segment.utf8)
                if let child = key.withUnsafeBufferPointer({ node.literal($0) }) {
                    node = child
                } else {
                    let child = Node()
                    node.literals.append((key, child))
                    node = child
                }
            }
        }
        node.pattern = pattern
        node.handlers[method] = Node.Route(handler: handler)
    }

    public func get(_ pattern: String, _ handler: @escaping Handler) { on(.get, pattern, handler) }
    public func post(_ pattern: String, _ handler: @escaping Handler) { on(.post, pattern, handler) }
    public func patch(_ pattern: String, _ handler: @escaping Handler) { on(.patch, pattern, handler) }
    public func put(_ pattern: String, _ handler: @escaping Handler) { on(.put, pattern, handler) }
    public func delete(_ pattern: String, _ handler: @escaping Handler) { on(.delete, pattern, handler) }

    /// Adds middleware; the first added runs outermost.
    public func use(_ middleware: Middleware) { middlewares.append(middleware) }

    public func match(_ method: HTTPMethod, path: String) -> Match {
        var path = path
        var parameters = Parameters()
        // Walk the path's bytes in place: no Substring index arithmetic, no String per literal.
        guard let node = path.withUTF8({ walk($0, parameters: &parameters) }) else { return .notFound }
        if node.handlers.isEmpty { return .notFound }
        if let route = node.handlers[method] { return .found(route.handler, parameters, pattern: node.pattern) }
        if method == .head, let route = node.handlers[.get] { return .found(route.handler, parameters, pattern: node.pattern) }
        return .methodNotAllowed(allowed: allowedMethods(node))
    }

    /// The node `path` leads to, collecting parameters; nil if none. Segments are separated
    /// by "/", empty ones ("//", a trailing "/") are skipped, and a segment with "%" is
    /// percent-decoded before it is compared (an invalid escape matches nothing).
    private func walk(_ bytes: UnsafeBufferPointer<UInt8>, parameters: inout Parameters) -> Node? {
        var node = root
        var index = 0
        let slash = UInt8(ascii: "/")
        while index < bytes.count {
            if bytes[index] == slash {
                index += 1
                continue
            }
            var end = index
            var escaped = false
            while end < bytes.count && bytes[end] != slash {
                if bytes[end] == UInt8(ascii: "%") { escaped = true }
                end += 1
            }
            let raw = UnsafeBufferPointer(rebasing: bytes[index..<end])
            index = end
            var decoded: String?
            if escaped {
                guard let text = PercentDecoding.decode(String(decoding: raw, as: UTF8.self)) else { return nil }
                decoded = text
            }
            let child = decoded == nil ? node.literal(raw) : decoded!.withUTF8 { node.literal($0) }
            if let child {
                node = child
            } else if let param = node.parameter {
                parameters.append(param.name, decoded ?? String(decoding: raw, as: UTF8.self))
                node = param.node
            } else {
                return nil
            }
        }
        return node
    }

    private func allowedMethods(_ node: Node) -> [HTTPMethod] {
        var methods = Array(node.handlers.keys)
        if node.handlers[.get] != nil && node.handlers[.head] == nil { methods.append(.head) }
        methods.append(.options)
        let order: [HTTPMethod] = [.get, .head, .post, .put, .patch, .delete, .options]
        return order.filter { methods.contains($0) }
    }

    /// Routes a request through the middleware chain to its handler; fills in the
    /// request's path parameters and route pattern.
    public func respond(to request: inout Request) throws -> Reply {
        switch match(request.method, path: request.path) {
        case .found(let handler, let parameters, let pattern):
            request.parameters = parameters
            request.route = pattern
            return try run(request, index: 0, handler: handler)
        case .methodNotAllowed(let allowed):
            let allow = allowed.map(\.description).joined(separator: ", ")
            if request.method == .options {
                var headers = HTTPHeaders()
                headers.add("Allow", allow)
                return .response(Response(status: .noContent, headers: headers, contentType: nil))
            }
            var headers = HTTPHeaders()
            headers.add("Allow", allow)
            throw HTTPError(.methodNotAllowed, code: "method_not_allowed",
                            message: "\(request.method) is not allowed here; allowed: \(allow)", headers: headers)
        case .notFound:
            if request.method == .options && request.target == "*" {
                var headers = HTTPHeaders()
                headers.add("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
                return .response(Response(status: .noContent, headers: headers, contentType: nil))
            }
            throw HTTPError.notFound("no route for \(request.path)")
        }
    }

    private func run(_ request: Request, index: Int, handler: Handler) throws -> Reply {
        if index == middlewares.count { return try handler(request) }
        return try middlewares[index].handle(request) { try self.run($0, index: index + 1, handler: handler) }
    }
}
