@testable import Groundswell
import JSON
import XCTest

/// The hand-written JSON encoder: numbers, literal and run-time keys, escaping.
final class JSONWriterTests: XCTestCase {
    func testIntegersKeysAndEscapes() {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.key("numbers")
        json.beginArray()
        for value: Int64 in [0, 9, 10, 99, 100, 12_345, -1, -10, 1_000_000_000_000, .max, .min] { json.int(value) }
        json.endArray()
        json.key(dynamic: "a\"b\\c\n")
        json.string("tab\there \u{1}")
        json.endObject()
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self),
                       #"{"numbers":[0,9,10,99,100,12345,-1,-10,1000000000000,9223372036854775807,-9223372036854775808],"#
                       + #""a\"b\\c\n":"tab\there \u0001"}"#)
    }
}
