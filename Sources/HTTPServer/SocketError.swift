#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// A failed socket call, with `errno` captured at the call that failed.
public struct SocketError: Error, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    init(_ call: String, errno: Int32 = Glibc.errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}
