import JSONCore
import Testing

@Suite struct JSONValueTests {
    @Test func parsesEveryKind() throws {
        let value = try JSONValue(parsing: #" {"a": [1, -2.5e3, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}} "#)
        #expect(value == .object([
            "a": .array([.int(1), .double(-2500), .bool(true), .bool(false), .null, .string("x\né😀")]),
            "b": .object([:]),
        ]))
    }

    @Test func keepsIntegersAndFloatsApart() throws {
        #expect(try JSONValue(parsing: "3") == .int(3))
        #expect(try JSONValue(parsing: "3.0") == .double(3))
        #expect(try JSONValue(parsing: "1e2") == .double(100))
        #expect(try JSONValue(parsing: "123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test func serializesCompactlyWithSortedKeys() {
        let value: JSONValue = ["z": 1, "a": [true, nil, 2.5, "q\"\\\u{01}"]]
        #expect(value.serialized() == #"{"a":[true,null,2.5,"q\"\\\u0001"],"z":1}"#)
        #expect(JSONValue.double(.nan).serialized() == "null")
    }

    /// The escape scan reads eight bytes at a time: every character that needs escaping is found at every position of a
    /// word and of the tail, beside bytes that must not be mistaken for one (0x20, 0x7F, and UTF-8's bytes past 0x80).
    @Test func escapesAtEveryPositionOfTheWordScan() throws {
        let specials: [(Character, String)] = [("\"", "\\\""), ("\\", "\\\\"), ("\n", "\\n"), ("\u{01}", "\\u0001"), ("\u{1F}", "\\u001f")]
        for length in 1...19 {
            for position in 0..<length {
                for (special, escaped) in specials {
                    var plain = Array(repeating: Character("a"), count: length)
                    plain[position] = special
                    let text = String(plain)
                    let expected = "\"" + text.map { $0 == special ? escaped : String($0) }.joined() + "\""
                    #expect(JSONValue.string(text).serialized() == expected)
                    #expect(try JSONValue(parsing: Array(expected.utf8)) == .string(text))
                }
            }
            let harmless = String(repeating: " \u{7F}é😀", count: length)
            #expect(JSONValue.string(harmless).serialized() == "\"" + harmless + "\"")
        }
    }

    @Test(arguments: [0, 7, -7, 10, -10, 1_234_567_890, Int.max, Int.min, Int.min + 1])
    func writesIntegersAsSwiftPrintsThem(_ value: Int) {
        #expect(JSONValue.int(value).serialized() == String(value))
        #expect(JSONValue.array([.int(value), .int(value)]).serialized() == "[\(value),\(value)]")
    }

    @Test func roundTrips() throws {
        let value: JSONValue = ["text": "héllo 😀", "n": [1, 2.5, -3], "nested": ["deep": [[], [:]]]]
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "01", "1.", "-", "\"\\x\"", "\"a\u{01}\"", "[1] 2", "{'a':1}"])
    func refusesInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        #expect(error?.reason == .tooDeep)
        #expect(try JSONValue(parsing: deep, maxDepth: 300).arrayValue?.count == 1)
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONValue(parsing: #""\ud800x""#) == .string("\u{FFFD}x"))
    }

    @Test func base64RoundTripsEveryLength() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37) }
            #expect(Base64.decode(Array(Base64.encode(bytes).utf8)) == bytes)
        }
        #expect(Base64.encode([1, 2, 3, 4]) == "AQIDBA==")
        #expect(Base64.decode(Array("AQ!D".utf8)) == nil)
    }
}
