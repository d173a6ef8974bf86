/// A request method. The standard ones are cases so routing never compares strings;
/// anything else that is a valid token is kept as `.other` and answered with 501.
public enum HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    case get, head, post, put, delete, patch, options, trace, connect
    case other(String)

    init(bytes: UnsafeBufferPointer<UInt8>) {
        switch bytes.count {
        case 3:
            if bytes[0] == 0x47, bytes[1] == 0x45, bytes[2] == 0x54 { self = .get; return }   // GET
            if bytes[0] == 0x50, bytes[1] == 0x55, bytes[2] == 0x54 { self = .put; return }   // PUT
        case 4:
            if bytes[0] == 0x50, bytes[1] == 0x4F, bytes[2] == 0x53, bytes[3] == 0x54 { self = .post; return }
            if bytes[0] == 0x48, bytes[1] == 0x45, bytes[2] == 0x41, bytes[3] == 0x44 { self = .head; return }
        default: break
        }
        let name = String(decoding: bytes, as: UTF8.self)
        switch name {
        case "DELETE": self = .delete
        case "PATCH": self = .patch
        case "OPTIONS": self = .options
        case "TRACE": self = .trace
        case "CONNECT": self = .connect
        default: self = .other(name)
        }
    }

    public init(_ name: String) {
        var copy = name
        self = copy.withUTF8 { HTTPMethod(bytes: $0) }
    }

    public var description: String {
        switch self {
        case .get: return "GET"
        case .head: return "HEAD"
        case .post: return "POST"
        case .put: return "PUT"
        case .delete: return "DELETE"
        case .patch: return "PATCH"
        case .options: return "OPTIONS"
        case .trace: return "TRACE"
        case .connect: return "CONNECT"
        case .other(let name): return name
        }
    }
}
