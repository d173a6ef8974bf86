import Foundation

/// Where outbound HTTP may go. Webhook URLs come from admins, but a server that fetches any
/// URL can be pointed at its own network (SSRF): the cloud metadata service, an admin port on
/// loopback, a database on the private network. Unless private destinations are allowed (tests,
/// on-premise installs), every address a name resolves to must be public; the transfer is then
/// pinned to the checked address, so a second DNS answer cannot swap it (DNS rebinding).
public struct DestinationPolicy: Sendable {
    public let allowPrivate: Bool

    public init(allowPrivate: Bool) { self.allowPrivate = allowPrivate }

    /// A URL's parts as the policy needs them, or why it cannot be used.
    public struct Target: Sendable, Equatable {
        public let scheme: String
        public let host: String
        public let port: Int
    }

    /// Checks a webhook URL's form: http or https, a host, no credentials, at most 2,000
    /// characters. Throws a message for the admin.
    public static func parse(_ url: String) throws -> Target {
        guard url.utf8.count <= 2000 else { throw DestinationError("the URL is longer than 2000 characters") }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw DestinationError("not a URL")
        }
        guard scheme == "http" || scheme == "https" else { throw DestinationError("only http and https URLs are accepted") }
        guard components.user == nil, components.password == nil else {
            throw DestinationError("credentials in the URL are not accepted; use the signing secret")
        }
        guard var host = components.host, !host.isEmpty else { throw DestinationError("the URL has no host") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard host.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { throw DestinationError("the host name must be ASCII (use its punycode form)") }
        if components.fragment != nil { throw DestinationError("the URL must not have a fragment") }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw DestinationError("the port is out of range") }
        return Target(scheme: scheme, host: host.lowercased(), port: port)
    }

    /// What can be decided without DNS: an address literal or a local name that is private.
    /// Names are checked again, after resolution, before every delivery.
    public func checkWithoutDNS(_ target: Target) throws {
        guard !allowPrivate else { return }
        if target.host == "localhost" || target.host.hasSuffix(".localhost") || target.host.hasSuffix(".local")
            || target.host.hasSuffix(".internal") {
            throw DestinationError("\(target.host) is a local name; private destinations are refused")
        }
        if let address = IPAddress(literal: target.host), !address.isPublic {
            throw DestinationError("\(target.host) is a \(address.kind) address; private destinations are refused")
        }
    }

    /// Resolves the host and returns the address to connect to (textual), after checking
    /// every address the name has: one private answer refuses the name.
    public func resolve(_ target: Target) throws -> String {
        try checkWithoutDNS(target)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(target.host, String(target.port), &hints, &list)
        guard status == 0, let list else {
            throw DestinationError("\(target.host) could not be resolved: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor {
            if let address = IPAddress(entry.pointee.ai_addr) { addresses.append(address) }
            cursor = entry.pointee.ai_next
        }
        guard let first = addresses.first else { throw DestinationError("\(target.host) has no address") }
        if !allowPrivate, let refused = addresses.first(where: { !$0.isPublic }) {
            throw DestinationError("\(target.host) resolves to \(refused.text), a \(refused.kind) address; private destinations are refused")
        }
        return first.text
    }
}

/// A destination refused by the policy, with the reason.
public struct DestinationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
