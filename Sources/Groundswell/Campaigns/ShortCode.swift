/// An idea's short code for `/i/{code}`: its id in base 62 (digits, then a–z, then A–Z).
enum ShortCode {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    static func encode(_ id: Int64) -> String {
        guard id > 0 else { return "0" }
        var value = id
        var out: [UInt8] = []
        while value > 0 {
            out.append(alphabet[Int(value % 62)])
            value /= 62
        }
        return String(decoding: out.reversed(), as: UTF8.self)
    }

    /// The id, or nil for anything that is not a code (empty, other characters, too long).
    static func decode(_ code: String) -> Int64? {
        guard !code.isEmpty, code.utf8.count <= 11 else { return nil }
        var value: Int64 = 0
        for byte in code.utf8 {
            guard let digit = alphabet.firstIndex(of: byte) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 62)
            let (sum, carry) = shifted.addingReportingOverflow(Int64(digit))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value > 0 ? value : nil
    }
}
