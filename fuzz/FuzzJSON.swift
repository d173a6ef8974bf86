// libFuzzer entry for JSON body decoding: any bytes give a value or a Failure; a value
// must survive a canonical round trip unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Time fields go through the RFC 3339 parser: any text must parse or be refused.
    if let text = String(validating: bytes, as: UTF8.self), let millis = Timestamp.parse(text) {
        precondition(Timestamp.parse(Timestamp.string(millis)) == millis, "timestamp round trip")
    }
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    var canonical: [UInt8] = []
    value.writeCanonical(into: &canonical)
    guard let again = try? JSONParser.parse(canonical) else { preconditionFailure("canonical JSON does not parse") }
    var second: [UInt8] = []
    again.writeCanonical(into: &second)
    precondition(second == canonical, "canonical form is not stable")
    return 0
}
