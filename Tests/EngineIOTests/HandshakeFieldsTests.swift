import EngineIO
import Testing

/// The handshake's headers and query as one buffer: every field is found by its exact name, none is lost or changed,
/// and equal fields compare equal whatever order they were given in.
@Suite struct HandshakeFieldsTests {
    static let fields = [
        "host": "127.0.0.1:3000", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) " + String(repeating: "x", count: 300),
        "cookie": "token=abc; theme=dark", "x-empty": "", "x-unicode": "été ✓ 🚀", "x-nul": "a\u{0}b",
    ]

    @Test func everyFieldIsFoundByItsExactName() {
        let handshake = HandshakeFields(Self.fields)
        for (name, value) in Self.fields { #expect(handshake[name] == value, "\(name)") }
        #expect(handshake["Host"] == nil)
        #expect(handshake["hos"] == nil)
        #expect(handshake["hostx"] == nil)
        #expect(handshake[""] == nil)
        #expect(handshake.dictionary == Self.fields)
        #expect(!handshake.isEmpty)
    }

    @Test func emptyFieldsHoldNothing() {
        let empty: HandshakeFields = [:]
        #expect(empty.isEmpty)
        #expect(empty["host"] == nil)
        #expect(empty.dictionary.isEmpty)
        #expect(HandshakeFields(["": ""])[""] == "")
    }

    @Test func equalityDoesNotDependOnOrder() {
        let ordered = Self.fields.sorted { $0.key < $1.key }
        var forward: [String: String] = [:]
        for (name, value) in ordered { forward[name] = value }
        var backward: [String: String] = [:]
        for (name, value) in ordered.reversed() { backward[name] = value }
        #expect(HandshakeFields(forward) == HandshakeFields(backward))
        #expect(HandshakeFields(forward) != HandshakeFields(["host": "127.0.0.1:3000"]))
        let literal: HandshakeFields = ["a": "1", "a": "2"]
        #expect(literal["a"] == "2")
    }

    @Test func aRepeatedNameIsJoinedInOrderOrKeepsItsLastValue() {
        let given: [(name: String, value: String)] = [("x-b", "1"), ("x-a", "first"), ("x-b", "2"), ("x-a", "second"), ("x-b", "3")]
        let headers = HandshakeFields(given, repeats: .joined(", "))
        #expect(headers.dictionary == ["x-a": "first, second", "x-b": "1, 2, 3"])
        let query = HandshakeFields(given, repeats: .lastWins)
        #expect(query.dictionary == ["x-a": "second", "x-b": "3"])
    }
}
