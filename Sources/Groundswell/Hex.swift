/// Lower-case hexadecimal, without per-byte string building.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func string<Bytes: Sequence>(_ bytes: Bytes, limit: Int = .max) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes.prefix(limit) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
