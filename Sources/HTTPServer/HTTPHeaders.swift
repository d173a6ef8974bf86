/// Header fields in arrival order. Lookups are case-insensitive; repeated fields are
/// kept (never overwritten) so framing checks can see duplicates.
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    /// Room for `capacity` fields up front: the parser knows how many lines the head has,
    /// and growing the array one field at a time cost two reallocations per request.
    public init(capacity: Int) {
        fields.reserveCapacity(capacity)
    }
    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field of that name with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.caseInsensitiveEquals(name) }
    }

    /// The first value of a field.
    public subscript(_ name: String) -> String? {
        for field in fields where field.name.caseInsensitiveEquals(name) { return field.value }
        return nil
    }

    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    public func count(of name: String) -> Int {
        fields.reduce(0) { $0 + ($1.name.caseInsensitiveEquals(name) ? 1 : 0) }
    }

    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}

extension String {
    /// ASCII case-insensitive comparison (header names and tokens are ASCII).
    public func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = self.utf8, b = other.utf8
        guard a.count == b.count else { return false }
        // Native strings are contiguous UTF-8: compare the bytes directly (header lookups
        // run this several times per request; the generic zip was a visible cost).
        let fast = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in String.asciiCaseInsensitiveEqual(x, y) }
        }
        if let fast, let result = fast { return result }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x + 32 : x
            let ly = (y >= 65 && y <= 90) ? y + 32 : y
            if lx != ly { return false }
        }
        return true
    }

    @inline(__always)
    static func asciiCaseInsensitiveEqual(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        for i in 0..<x.count {
            let p = x[i], q = y[i]
            if p == q { continue }
            let lp = (p >= 65 && p <= 90) ? p + 32 : p
            let lq = (q >= 65 && q <= 90) ? q + 32 : q
            if lp != lq { return false }
        }
        return true
    }

    /// Splits a comma-separated header value into trimmed, non-empty elements.
    public func headerListElements() -> [String] {
        split(separator: ",").map { $0.trimmingOWS() }.filter { !$0.isEmpty }
    }
}

extension Substring {
    /// Drops optional whitespace (SP and HTAB, RFC 9110 §5.6.3) from both ends.
    public func trimmingOWS() -> String {
        let trimmed = self.utf8.withContiguousStorageIfAvailable { bytes -> String in
            var start = 0, end = bytes.count
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
        if let trimmed { return trimmed }
        var utf8 = self.utf8[...]
        while let first = utf8.first, first == 0x20 || first == 0x09 { utf8 = utf8.dropFirst() }
        while let last = utf8.last, last == 0x20 || last == 0x09 { utf8 = utf8.dropLast() }
        return String(Substring(utf8))
    }
}
