import CSQLite

/// A tokenizer for SQLite's FTS5, written in Swift and registered on each connection by
/// name (`tokenize='NAME'` in the table definition). SQLite calls it for every document it
/// indexes, every query string and every auxiliary function, so it must be a pure function
/// of its input: the same text always gives the same tokens (external-content deletes
/// re-tokenize the old text and must find exactly what was indexed).
public protocol FullTextTokenizer: Sendable {
    /// Tokenizes UTF-8 `text`, calling `emit` for each token with its bytes, the byte range
    /// of the original text it came from, and whether it shares the previous token's
    /// position (`colocated`). `emit` returns false when SQLite wants tokenizing to stop.
    func tokenize(_ text: UnsafeBufferPointer<UInt8>, forQuery: Bool,
                  emit: (_ token: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ colocated: Bool) -> Bool)
}

/// A tokenizer and its name, as `Connection.Options` carries them.
public struct RegisteredTokenizer: Sendable {
    public let name: String
    public let tokenizer: FullTextTokenizer
    /// The C-side record FTS5 holds; allocated once, never freed (tokenizers live as long as
    /// the process, and every connection points at the same one).
    let record: UnsafeMutablePointer<csqlite_tokenizer>

    public init(name: String, tokenizer: FullTextTokenizer) {
        self.name = name
        self.tokenizer = tokenizer
        let box = Unmanaged.passRetained(TokenizerBox(tokenizer)).toOpaque()
        record = .allocate(capacity: 1)
        record.initialize(to: csqlite_tokenizer(context: box, tokenize: { context, pCtx, flags, text, count, xToken in
            let tokenizer = Unmanaged<TokenizerBox>.fromOpaque(context!).takeUnretainedValue().tokenizer
            guard count > 0, let text else { return SQLITE_OK }
            var rc = SQLITE_OK
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), count: Int(count))
            tokenizer.tokenize(bytes, forQuery: flags & CSQLITE_FTS5_TOKENIZE_QUERY != 0) { token, range, colocated in
                rc = token.withMemoryRebound(to: CChar.self) { chars in
                    xToken!(pCtx, colocated ? CSQLITE_FTS5_TOKEN_COLOCATED : 0, chars.baseAddress, Int32(chars.count),
                            Int32(range.lowerBound), Int32(range.upperBound))
                }
                return rc == SQLITE_OK
            }
            return rc
        }))
    }
}

/// Keeps the Swift tokenizer alive behind the C context pointer.
private final class TokenizerBox: Sendable {
    let tokenizer: FullTextTokenizer
    init(_ tokenizer: FullTextTokenizer) { self.tokenizer = tokenizer }
}

/// `@unchecked Sendable`: the record is written once in `init` and only read afterwards.
extension UnsafeMutablePointer: @unchecked @retroactive Sendable where Pointee == csqlite_tokenizer {}

extension Connection {
    /// Makes `registered` available to FTS5 tables on this connection.
    func register(_ registered: RegisteredTokenizer) throws {
        let rc = csqlite_register_tokenizer(handle, registered.name, registered.record)
        guard rc == SQLITE_OK else {
            throw SQLiteError(code: rc, message: "could not register the FTS5 tokenizer \(registered.name)")
        }
    }
}
