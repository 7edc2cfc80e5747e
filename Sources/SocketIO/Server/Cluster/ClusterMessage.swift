import JSONCore

/// One message between the nodes of a cluster, socket.io's `{uid, nsp, type, data}`: from the ``ClusterAdapter`` of
/// namespace `nsp` on node `uid` to that namespace's adapters on the other nodes, or to one of them for a response.
///
/// ``encoded()`` gives its wire form; `uid`, `nsp` and ``type`` are at hand without it, for a transport that sends a
/// large message's header alone.
public struct ClusterMessage: Sendable, Equatable {
    /// The sending node.
    public var uid: String
    public var nsp: String
    public var body: Body

    public var type: ClusterMessageType { body.type }

    /// socket.io's message types and their data. What `options` selects is every node's own sockets.
    public enum Body: Sendable, Equatable {
        /// An adapter started: whoever hears it answers with a heartbeat, so that both know each other at once.
        case initialHeartbeat
        /// The node is alive (every ``ClusterAdapterOptions/heartbeatInterval``).
        case heartbeat
        /// The adapter closed: the node is dropped at once, not after ``ClusterAdapterOptions/heartbeatTimeout``.
        case adapterClose
        /// A packet, encoded once by the sender, for the sockets `options` selects; with a request id, every node
        /// answers how many it reached (``ClusterAnswer/clientCount(_:)``). A recoverable packet comes with where its
        /// sender recorded it (`origin`), which every node records it under.
        case broadcast(options: BroadcastOptions, packet: EncodedSocketIOPacket, requestID: String?, origin: PacketOrigin? = nil)
        case socketsJoin(options: BroadcastOptions, rooms: Set<String>)
        case socketsLeave(options: BroadcastOptions, rooms: Set<String>)
        case disconnectSockets(options: BroadcastOptions, close: Bool)
        /// Every node answers with its sockets that `options` selects, in the form `query` asks for.
        case fetchSockets(options: BroadcastOptions, query: SocketQuery, requestID: String)
        /// An event for the namespace on the other nodes; with a request id, every node answers
        /// (``ClusterAnswer/serverSideEmit(_:)``).
        case serverSideEmit(event: String, args: [JSONValue], requestID: String?)
        /// A client is back, through the sender, to recover the session `pid`: a node that still has it connected
        /// (the old connection died unseen) lets it go, keeping its session, and answers whether it did
        /// (``ClusterAnswer/released(_:)``). gatewayd's own.
        case releaseSession(pid: String, requestID: String)
        /// A node that starts asks for the namespace's packet log: every node answers with what its log holds
        /// (``ClusterAnswer/recoveryLog(_:)``, empty when recovery is off there). gatewayd's own.
        case recoveryLog(requestID: String)
        /// A node's answer to request `requestID` of the node it is sent to.
        case response(requestID: String, answer: ClusterAnswer)

        public var type: ClusterMessageType {
            switch self {
            case .initialHeartbeat: .initialHeartbeat
            case .heartbeat: .heartbeat
            case .adapterClose: .adapterClose
            case .broadcast: .broadcast
            case .socketsJoin: .socketsJoin
            case .socketsLeave: .socketsLeave
            case .disconnectSockets: .disconnectSockets
            case .fetchSockets: .fetchSockets
            case .serverSideEmit: .serverSideEmit
            case .releaseSession: .releaseSession
            case .recoveryLog: .recoveryLog
            case .response(_, .released): .releaseSessionResponse
            case .response(_, .recoveryLog): .recoveryLogResponse
            case .response(_, .clientCount): .broadcastClientCount
            case .response(_, .socketSnapshots), .response(_, .socketIDs), .response(_, .socketCount): .fetchSocketsResponse
            case .response(_, .serverSideEmit): .serverSideEmitResponse
            }
        }
    }
}

/// socket.io's numbers for the message types (12, `BROADCAST_ACK`, is not used: a broadcast here counts its
/// recipients but collects no client acknowledgements), and gatewayd's own from 100.
public enum ClusterMessageType: Int, Sendable, CustomStringConvertible {
    case initialHeartbeat = 1, heartbeat, broadcast, socketsJoin, socketsLeave, disconnectSockets, fetchSockets
    case fetchSocketsResponse, serverSideEmit, serverSideEmitResponse, broadcastClientCount
    case adapterClose = 13
    case releaseSession = 100, releaseSessionResponse, recoveryLog, recoveryLogResponse

    /// socket.io's name, as in its logs: `FETCH_SOCKETS`.
    public var description: String {
        switch self {
        case .initialHeartbeat: "INITIAL_HEARTBEAT"
        case .heartbeat: "HEARTBEAT"
        case .broadcast: "BROADCAST"
        case .socketsJoin: "SOCKETS_JOIN"
        case .socketsLeave: "SOCKETS_LEAVE"
        case .disconnectSockets: "DISCONNECT_SOCKETS"
        case .fetchSockets: "FETCH_SOCKETS"
        case .fetchSocketsResponse: "FETCH_SOCKETS_RESPONSE"
        case .serverSideEmit: "SERVER_SIDE_EMIT"
        case .serverSideEmitResponse: "SERVER_SIDE_EMIT_RESPONSE"
        case .broadcastClientCount: "BROADCAST_CLIENT_COUNT"
        case .adapterClose: "ADAPTER_CLOSE"
        case .releaseSession: "RELEASE_SESSION"
        case .releaseSessionResponse: "RELEASE_SESSION_RESPONSE"
        case .recoveryLog: "RECOVERY_LOG"
        case .recoveryLogResponse: "RECOVERY_LOG_RESPONSE"
        }
    }
}

/// What a FETCH_SOCKETS asks each node for about the sockets it selects: ``Adapter/fetchSockets(_:)`` wants them
/// described, ``Adapter/sockets(_:)`` their ids, ``Adapter/roomSize(_:)`` only how many (a big room's ids would not
/// fit in a notification).
public enum SocketQuery: String, Sendable {
    case snapshots
    case ids
    case count
}

/// One node's answer to a request.
public enum ClusterAnswer: Sendable, Equatable {
    /// How many sockets a counted broadcast reached there (`BROADCAST_CLIENT_COUNT`).
    case clientCount(Int)
    /// FETCH_SOCKETS_RESPONSE, in the form its ``SocketQuery`` asked for.
    case socketSnapshots([SocketSnapshot])
    case socketIDs([String])
    case socketCount(Int)
    /// What the node's ``Namespace/onServerSideEmit(_:)`` listener answered, nil when it has none
    /// (`SERVER_SIDE_EMIT_RESPONSE`): it answers all the same, so that nobody waits for it.
    case serverSideEmit([JSONValue]?)
    /// Whether the node let go of the session a RELEASE_SESSION named (`RELEASE_SESSION_RESPONSE`).
    case released(Bool)
    /// What the node's packet log of the namespace holds (`RECOVERY_LOG_RESPONSE`).
    case recoveryLog(RecoveryLogSnapshot)
}
