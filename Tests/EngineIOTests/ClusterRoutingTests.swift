@testable import EngineIO
import Testing

/// Session ids that name their node, and where a request for a session is answered.
@Suite struct ClusterRoutingTests {
    static let nodeA = try! NodeID(validating: "node-a")
    static let nodeB = try! NodeID(validating: "node-b")
    static let addressB = try! PeerAddress(parsing: "10.0.0.2:3000")
    static let cluster = EngineCluster(node: nodeA, peers: StaticPeerDirectory([nodeA: try! PeerAddress(parsing: "10.0.0.1:3000"), nodeB: addressB]))

    @Test func aSingleNodesSessionIdsNameNoNode() {
        let sid = SessionID.make(on: nil)
        #expect(sid.utf8.count == 22)
        #expect(SessionID.node(of: sid) == nil)
    }

    @Test func aClusterNodesSessionIdsNameItBeforeTheirRandomPart() {
        let sid = SessionID.make(on: Self.nodeA)
        #expect(sid.hasPrefix("node-a~"))
        #expect(SessionID.node(of: sid) == "node-a")
        let random = sid.dropFirst("node-a~".count)
        #expect(random.utf8.count == 22 && random.utf8.allSatisfy { $0 != UInt8(ascii: "~") })
        #expect(SessionID.make(on: Self.nodeA) != sid)
    }

    @Test(arguments: ["a", "node-1", "Node_2", String(repeating: "x", count: 32)])
    func validNodeIds(_ text: String) throws {
        #expect(try NodeID(validating: text).rawValue == text)
    }

    @Test(arguments: ["", String(repeating: "x", count: 33), "a~b", "a.b", "a b", "nœud", "a/b"])
    func invalidNodeIds(_ text: String) {
        #expect(throws: NodeID.Invalid.self) { try NodeID(validating: text) }
    }

    @Test(arguments: [
        ("127.0.0.1:80", "127.0.0.1", 80), ("node-b.internal:3000", "node-b.internal", 3000), ("[::1]:65535", "::1", 65535),
    ])
    func peerAddresses(_ text: String, host: String, port: Int) throws {
        let address = try PeerAddress(parsing: text)
        #expect((address.host, address.port) == (host, port))
        #expect(address.description == text)
    }

    @Test(arguments: ["host", "host:0", "host:65536", ":80", "::1:80", "host:http", "[::1]"])
    func invalidPeerAddresses(_ text: String) {
        #expect(throws: PeerAddress.Invalid.self) { try PeerAddress(parsing: text) }
    }

    @Test func anotherNodesSessionIsForwardedToItsAdvertisedAddress() {
        let target = SessionRoute.Target(owner: Self.nodeB, address: Self.addressB, forwarder: Self.nodeA)
        #expect(Self.cluster.route(sid: "node-b~abc", forwardedBy: nil) == .forward(target))
    }

    @Test(arguments: [nil, "node-a~abc", "abcdefghijklmnopqrstuv", "bad!~abc", "~abc"])
    func answeredHere(_ sid: String?) {
        #expect(Self.cluster.route(sid: sid, forwardedBy: nil) == .local)
    }

    @Test func aNodeTheDirectoryDoesNotKnowIsUnknown() throws {
        #expect(Self.cluster.route(sid: "node-c~abc", forwardedBy: nil) == .unknownNode(try NodeID(validating: "node-c")))
    }

    @Test func aForwardedRequestIsNeverForwardedAgain() {
        #expect(Self.cluster.route(sid: "node-b~abc", forwardedBy: "node-c") == .misdirected(Self.nodeB, forwardedBy: "node-c"))
        #expect(Self.cluster.route(sid: "node-a~abc", forwardedBy: "node-b") == .local)
    }

    @Test func thisNodesOwnSessionsAreRoutedWithoutReadingTheForwardedHeader() {
        var read = false
        func header() -> String? {
            read = true
            return nil
        }
        #expect(Self.cluster.route(sid: "node-a~abc", forwardedBy: header()) == .local)
        #expect(!read)
    }
}
