// libFuzzer entry for the HTTP request parser: any bytes, split at every point the fuzzer
// chooses, must produce requests or a clean failure, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = ParserLimits()
    limits.maxBodyBytes = 4096
    limits.maxHeaderBytes = 2048
    limits.maxRequestLine = 512
    // Feed in two pieces (the first byte picks the split) to exercise resumption.
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var parser = RequestParser(limits: limits)
    var pending: [UInt8] = []
    outer: for chunk in [Array(bytes[0..<split]), Array(bytes[split...])] {
        pending += chunk
        var rounds = 0
        while rounds < 10_000 {
            rounds += 1
            let (consumed, event) = pending.withUnsafeBufferPointer { parser.parse($0) }
            precondition(consumed <= pending.count, "consumed more than given")
            pending.removeFirst(consumed)
            switch event {
            case .needMore: if consumed == 0 { continue outer }
            case .failure: break outer
            case .request(let request): precondition(request.body.count <= limits.maxBodyBytes)
            case .expectsContinue: break
            }
        }
        preconditionFailure("parser made no progress")
    }
    return 0
}
