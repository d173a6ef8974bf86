import Crypto
import Foundation
import HTTPServer
import Synchronization

/// Resolves the client address (X-Forwarded-For only behind a trusted proxy) and hashes
/// it with a key kept outside the database (`AddressKey`), so stored evidence cannot be
/// turned back into addresses. The key can be replaced while running (rotation).
public final class ClientAddress: Sendable {
    public let trustProxy: Bool
    private struct State {
        var keyedHash: KeyedHash
        /// A client sends many requests from one address: the last few thousand hashes.
        var recent: [String: String] = [:]
    }
    private let state: Mutex<State>
    private static let memoCapacity = 4096

    public init(trustProxy: Bool, key: [UInt8]) {
        self.trustProxy = trustProxy
        self.state = Mutex(State(keyedHash: KeyedHash(key: key)))
    }

    /// The address the request came from: the right-most X-Forwarded-For entry (the one our
    /// proxy added) when the proxy is trusted, else the socket's peer.
    public func address(of request: Request) -> String {
        if trustProxy, let forwarded = request.headers.values("x-forwarded-for").last,
           let last = forwarded.split(separator: ",").last.map({ $0.trimmingOWS() }), !last.isEmpty {
            return last
        }
        return request.remoteAddress
    }

    public func hash(_ address: String) -> String {
        state.withLock { state in
            if let known = state.recent[address] { return known }
            var bytes = address
            let hashed = bytes.withUTF8 { Hex.string(state.keyedHash.code(UnsafeRawBufferPointer($0)), limit: 16) }
            if state.recent.count >= ClientAddress.memoCapacity { state.recent.removeAll(keepingCapacity: true) }
            state.recent[address] = hashed
            return hashed
        }
    }

    public func hashedAddress(of request: Request) -> String { hash(address(of: request)) }

    /// Starts hashing with `key` (rotation); hashes made before no longer match new ones.
    func replaceKey(_ key: [UInt8]) {
        state.withLock { state in
            state.keyedHash = KeyedHash(key: key)
            state.recent.removeAll()
        }
    }
}
