import JSONCore
import Testing
@testable import Gateway

@Suite struct LiveSocketTests {
    /// Found by the cluster soak (bench/cluster_soak.py): a socket recovered from a session whose user and
    /// `SOCKET.data` were unset came back with both as JSON null, not absent (a `nil` in a ternary that returns a
    /// `JSONValue` is JSON null): every handler run of the socket then failed, `SOCKET.data` being a userdata.
    @Test func aRecoveredSessionsNullUserAndDataAreAbsent() {
        let recovered = LiveSocket.recovered(from: ["user": .null, "data": .null])
        #expect(recovered.user == nil)
        #expect(recovered.data == nil)
        let kept = LiveSocket.recovered(from: ["user": ["id": "7"], "data": ["n": 1]])
        #expect(kept.user == ["id": "7"])
        #expect(kept.data == ["n": 1])
        let none = LiveSocket.recovered(from: .null)
        #expect(none.user == nil && none.data == nil)
    }
}
