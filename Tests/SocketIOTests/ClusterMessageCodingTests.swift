import JSONCore
import Testing

@testable import SocketIO

@Suite struct ClusterMessageCodingTests {
    private static let options = BroadcastOptions(rooms: ["red", "s1"], except: ["blue"], flags: BroadcastFlags(volatile: true))
    private static let snapshot = SocketSnapshot(
        id: "s1",
        handshake: Handshake(
            headers: ["host": "example.org"], query: ["EIO": "4"], auth: ["token": "t"], address: "10.0.0.1",
            issued: 1_700_000_000_000, url: "/socket.io/?EIO=4"),
        rooms: ["s1", "red"], data: ["score": 1.5, "tags": ["x"]], transport: "websocket")
    private static let packet = SocketIOPacketEncoder.encode(SocketIOPacket(.event, namespace: "/chat", data: ["file", .binary([1, 2, 3])]))

    static let bodies: [ClusterMessage.Body] = [
        .initialHeartbeat, .heartbeat, .adapterClose,
        .broadcast(options: options, packet: packet, requestID: nil),
        .broadcast(options: BroadcastOptions(), packet: SocketIOPacketEncoder.encode(SocketIOPacket(.event, data: ["hi"])), requestID: "r1"),
        .broadcast(options: options, packet: packet, requestID: nil, origin: PacketOrigin(origin: "Xk3fA9bQ", sequence: 18_446_744_073_709_551_615)),
        .socketsJoin(options: options, rooms: ["green", "grey"]),
        .socketsLeave(options: options, rooms: ["green"]),
        .disconnectSockets(options: options, close: true),
        .fetchSockets(options: options, query: .snapshots, requestID: "r2"),
        .fetchSockets(options: BroadcastOptions(), query: .count, requestID: "r3"),
        .serverSideEmit(event: "reload", args: [1, .binary([9])], requestID: nil),
        .serverSideEmit(event: "count", args: [], requestID: "r4"),
        .response(requestID: "r1", answer: .clientCount(3)),
        .response(requestID: "r2", answer: .socketSnapshots([snapshot])),
        .response(requestID: "r2", answer: .socketIDs(["s1", "s2"])),
        .response(requestID: "r3", answer: .socketCount(0)),
        .response(requestID: "r4", answer: .serverSideEmit(["ok", .binary([7])])),
        .response(requestID: "r4", answer: .serverSideEmit(nil)),
        .releaseSession(pid: "p1", requestID: "r5"),
        .response(requestID: "r5", answer: .released(true)),
        .recoveryLog(requestID: "r6"),
        .response(requestID: "r6", answer: .recoveryLog(Self.log)),
        .response(requestID: "r6", answer: .recoveryLog(RecoveryLogSnapshot())),
    ]

    /// A log of one recorded packet (with an attachment, stamped with its offset) and two origins.
    private static var log: RecoveryLogSnapshot {
        let (stamped, length) = packet.appending(argument: "n1~3.n2~7")
        var options = BroadcastOptions(rooms: ["red"])
        options.flags.recoverable = true
        let entry = RecoveryLogSnapshot.Entry(origin: PacketOrigin(origin: "n1", sequence: 3), packet: stamped, stampLength: length,
                                              options: options, remaining: .milliseconds(1_500))
        return RecoveryLogSnapshot(entries: [entry], completeFrom: ["n1": 2, "n2": 1], head: RecoveryPosition(["n1": 3, "n2": 7]))
    }

    @Test(arguments: bodies) func everyMessageArrivesAsItWasSent(_ body: ClusterMessage.Body) throws {
        let message = ClusterMessage(uid: "a", nsp: "/chat", body: body)
        #expect(try ClusterMessage(decoding: message.encoded()) == message)
    }

    @Test func theEnvelopeIsSocketIOs() {
        let heartbeat = ClusterMessage(uid: "a", nsp: "/chat", body: .heartbeat).encoded()
        #expect(String(decoding: heartbeat.text, as: UTF8.self) == #"{"nsp":"/chat","type":2,"uid":"a"}"#)
        #expect(heartbeat.attachments.isEmpty)
    }

    @Test func binaryTravelsBesideTheTextForTheTransportToCarry() {
        let encoded = ClusterMessage(uid: "a", nsp: "/chat", body: .broadcast(options: Self.options, packet: Self.packet, requestID: nil)).encoded()
        #expect(encoded.attachments == [[1, 2, 3]])
        let text = String(decoding: encoded.text, as: UTF8.self)
        #expect(text.contains(#""attachments":[{"_placeholder":true,"num":0}]"#))
        #expect(text.contains(#""packet":"51-/chat,[\"file\",{\"_placeholder\":true,\"num\":0}]""#), "the packet as encoded for clients")
    }

    @Test(arguments: [
        #"not json"#,
        #"{"uid":"a","nsp":"/","type":12}"#,
        #"{"uid":"a","nsp":"/","type":3}"#,
        #"{"uid":"a","type":2}"#,
        #"{"uid":"a","nsp":"/","type":4,"data":{"opts":{"rooms":[1],"except":[]},"rooms":[]}}"#,
        #"{"uid":"a","nsp":"/","type":3,"data":{"opts":{"rooms":[],"except":[]},"packet":"2[]","attachments":[{"_placeholder":true,"num":1}]}}"#,
        // A recovery log entry whose last bytes are not the offset its stamp says, one whose sequence is not a number.
        #"{"uid":"a","nsp":"/","type":103,"data":{"requestId":"r","log":{"entries":[{"origin":"n1","seq":"1","packet":"2[\"a\"]","stamp":3,"opts":{"rooms":[],"except":[]},"ttl":5}],"complete":{},"head":""}}}"#,
        #"{"uid":"a","nsp":"/","type":103,"data":{"requestId":"r","log":{"entries":[],"complete":{"n1":"x"},"head":""}}}"#,
    ])
    func malformedMessagesAreRefused(_ text: String) {
        #expect(throws: ClusterMessageDecodingError.self) {
            try ClusterMessage(decoding: EncodedClusterMessage(text: Array(text.utf8), attachments: [[0]]))
        }
    }
}
