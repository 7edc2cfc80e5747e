import Testing

@testable import Persistence

/// The PostgreSQL message bus between two nodes: order, no self-delivery, directed channels, and the messages that
/// travel in `cluster_attachments` rows.
@Suite(.enabled(if: Backend.all.contains(.postgres)))
struct MessageBusTests {
    static func text(_ string: String) -> BusMessage { BusMessage(text: Array(string.utf8)) }

    @Test func twoBusesExchangeMessagesInOrderAndNeverHearTheirOwn() async throws {
        try await BackplaneHarness.withNodes(["a", "b"]) { nodes async throws in
            let (a, b) = (nodes[0].backplane.bus, nodes[1].backplane.bus)
            let atA = Inbox(), atB = Inbox()
            try await a.subscribe(.nodes, receive: atA.add)
            try await b.subscribe(.nodes, receive: atB.add)

            let fromA = (0..<300).map { Self.text("a\($0)") }
            let fromB = (0..<300).map { Self.text("b\($0)") }
            for index in 0..<300 {
                a.publish(fromA[index], on: .nodes)
                b.publish(fromB[index], on: .nodes)
            }
            // Each side's last message is the marker that the other's have all arrived: nothing of its own among them.
            #expect(try await atB.first(300) == fromA)
            #expect(try await atA.first(300) == fromB)
            a.publish(Self.text("end"), on: .nodes)
            #expect(try await atB.first(301)?.last == Self.text("end"))
            #expect(atA.messages.count == 300)
        }
    }

    @Test func aMessageToOneNodeReachesThatNodeOnly() async throws {
        try await BackplaneHarness.withNodes(["a", "b", "c"]) { nodes async throws in
            let atB = Inbox(), atC = Inbox()
            try await nodes[1].backplane.bus.subscribe(.node("b"), receive: atB.add)
            try await nodes[2].backplane.bus.subscribe(.node("c"), receive: atC.add)
            try await nodes[2].backplane.bus.subscribe(.nodes, receive: atC.add)
            nodes[0].backplane.bus.publish(Self.text("for b"), on: .node("b"))
            nodes[0].backplane.bus.publish(Self.text("for everyone"), on: .nodes)
            #expect(try await atB.first(1) == [Self.text("for b")])
            #expect(try await atC.first(1) == [Self.text("for everyone")])
            #expect(atB.messages.count == 1)
        }
    }

    @Test func largeBinaryAndNulMessagesArriveIntactThroughTheAttachmentsTable() async throws {
        try await BackplaneHarness.withNodes(["a", "b"]) { nodes async throws in
            let atB = Inbox()
            try await nodes[1].backplane.bus.subscribe(.nodes, receive: atB.add)
            let large = BusMessage(text: Array(String(repeating: "é", count: 4_000).utf8))  // 8,000 bytes
            let justBelow = BusMessage(text: Array(String(repeating: "x", count: 7_900).utf8))
            let binary = BusMessage(text: Array(#"{"file":{"_placeholder":true,"num":0}}"#.utf8), attachments: [[0, 1, 2, 255, 0], []])
            let nul = BusMessage(text: [0x61, 0, 0x62])
            let invalidUTF8 = BusMessage(text: [0x61, 0xFF, 0x62])
            let sent = [large, Self.text("small"), justBelow, binary, nul, invalidUTF8]
            for message in sent { nodes[0].backplane.bus.publish(message, on: .nodes) }
            #expect(try await atB.first(sent.count) == sent)

            let rows = try RawSQL.strings("SELECT count(*)::text FROM cluster_attachments", on: nodes[0].store.collections)
            #expect(rows == ["4"])  // all but "small" and the one just below the limit
            try PostgresTestSchema.administer(nodes[0].url) { session in
                try PostgresMessageBus.purgeAttachments(olderThan: .zero, on: session)
            }
            #expect(try RawSQL.strings("SELECT count(*)::text FROM cluster_attachments", on: nodes[0].store.collections) == ["0"])
        }
    }

    @Test func channelsBelongToTheSchemasCluster() async throws {
        func prefix() async throws -> String {
            try await Backend.postgres.withDatabase { database in
                guard let store = try database.open() as? PostgresConfigStore else { preconditionFailure("a PostgreSQL store") }
                return try await store.pool.offload(PostgresChannels.read).prefix
            }
        }
        let (first, second) = (try await prefix(), try await prefix())
        #expect(first != second)
        // `gatewayd:` and 16 hex digits for the tests' long schema names.
        #expect([first, second].allSatisfy { $0.hasPrefix("gatewayd:") && $0.utf8.count == 25 })
    }
}
