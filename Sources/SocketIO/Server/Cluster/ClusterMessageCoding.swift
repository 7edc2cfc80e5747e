import EngineIO
import JSONCore

/// A ``ClusterMessage`` on the wire: socket.io's `{"uid","nsp","type","data"}` as JSON text, with every binary value
/// taken out into `attachments` and replaced by Socket.IO's placeholder `{"_placeholder":true,"num":n}`.
///
/// A transport sends `text` as it is when there are no attachments and it fits (PostgreSQL's NOTIFY takes less than
/// 8,000 bytes), and otherwise finds another way (socket.io's postgres adapter stores the message in a table and
/// notifies its key).
public struct EncodedClusterMessage: Sendable, Equatable {
    public var text: [UInt8]
    public var attachments: [[UInt8]]

    public init(text: [UInt8], attachments: [[UInt8]]) {
        self.text = text
        self.attachments = attachments
    }
}

/// Why received bytes are not a ``ClusterMessage``: the transport logs it and drops the message.
public struct ClusterMessageDecodingError: Error, CustomStringConvertible {
    public var description: String
}

extension ClusterMessage {
    public func encoded() -> EncodedClusterMessage {
        var attachments: [[UInt8]] = []
        let json = SocketIOPacketEncoder.extractBinary(from: json, into: &attachments)
        var text: [UInt8] = []
        json.write(into: &text)
        return EncodedClusterMessage(text: text, attachments: attachments)
    }

    public init(decoding encoded: EncodedClusterMessage) throws(ClusterMessageDecodingError) {
        let json: JSONValue
        do {
            json = try SocketIOPacketDecoder.replacePlaceholders(
                in: JSONValue(parsing: encoded.text), attachments: encoded.attachments)
        } catch {
            throw ClusterMessageDecodingError(description: "invalid cluster message: \(error)")
        }
        try self.init(json: json)
    }

    // MARK: JSON

    private var json: JSONValue {
        var object: [String: JSONValue] = ["uid": .string(uid), "nsp": .string(nsp), "type": .int(type.rawValue)]
        if let data = body.data { object["data"] = .object(data) }
        return .object(object)
    }

    private init(json: JSONValue) throws(ClusterMessageDecodingError) {
        let message = try WireObject(json, "message")
        let number = try message.int("type")
        guard let type = ClusterMessageType(rawValue: number) else {
            throw ClusterMessageDecodingError(description: "unknown cluster message type \(number)")
        }
        let data = try message.optionalObject("data")
        func requiredData() throws(ClusterMessageDecodingError) -> WireObject {
            guard let data else { throw ClusterMessageDecodingError(description: "\(type) without data") }
            return data
        }
        try self.init(uid: message.string("uid"), nsp: message.string("nsp"), body: Body(type, data: requiredData))
    }
}

extension ClusterMessage.Body {
    fileprivate var data: [String: JSONValue]? {
        switch self {
        case .initialHeartbeat, .heartbeat, .adapterClose:
            return nil
        case .broadcast(let options, let packet, let requestID, let origin):
            var data: [String: JSONValue] = [
                "opts": options.json, "packet": .string(String(decoding: packet.text, as: UTF8.self)),
            ]
            if !packet.attachments.isEmpty { data["attachments"] = .array(packet.attachments.map(JSONValue.binary)) }
            data["requestId"] = requestID.map(JSONValue.string)
            if let origin {
                data["origin"] = .string(origin.origin)
                data["seq"] = .string(String(origin.sequence))
            }
            return data
        case .socketsJoin(let options, let rooms), .socketsLeave(let options, let rooms):
            return ["opts": options.json, "rooms": .strings(rooms)]
        case .disconnectSockets(let options, let close):
            return ["opts": options.json, "close": .bool(close)]
        case .fetchSockets(let options, let query, let requestID):
            return ["opts": options.json, "query": .string(query.rawValue), "requestId": .string(requestID)]
        case .serverSideEmit(let event, let args, let requestID):
            var data: [String: JSONValue] = ["packet": .array([.string(event)] + args)]
            data["requestId"] = requestID.map(JSONValue.string)
            return data
        case .releaseSession(let pid, let requestID):
            return ["pid": .string(pid), "requestId": .string(requestID)]
        case .recoveryLog(let requestID):
            return ["requestId": .string(requestID)]
        case .response(let requestID, let answer):
            var data: [String: JSONValue] = ["requestId": .string(requestID)]
            switch answer {
            case .clientCount(let count): data["clientCount"] = .int(count)
            case .socketSnapshots(let sockets): data["sockets"] = .array(sockets.map(\.json))
            case .socketIDs(let ids): data["ids"] = .array(ids.map(JSONValue.string))
            case .socketCount(let count): data["count"] = .int(count)
            case .serverSideEmit(let answer): data["packet"] = answer.map(JSONValue.array)
            case .released(let released): data["released"] = .bool(released)
            case .recoveryLog(let snapshot): data["log"] = snapshot.json
            }
            return data
        }
    }

    /// `data` reads the message's data object, for the types that have one.
    fileprivate init(
        _ type: ClusterMessageType, data: () throws(ClusterMessageDecodingError) -> WireObject
    ) throws(ClusterMessageDecodingError) {
        switch type {
        case .initialHeartbeat: self = .initialHeartbeat
        case .heartbeat: self = .heartbeat
        case .adapterClose: self = .adapterClose
        case .broadcast:
            let data = try data()
            let packet = EncodedSocketIOPacket(
                text: Array(try data.string("packet").utf8), attachments: try data.optionalBinaries("attachments"))
            var origin: PacketOrigin?
            if let name = try data.optionalString("origin") {
                guard let sequence = UInt64(try data.string("seq")) else {
                    throw ClusterMessageDecodingError(description: "broadcast data.seq is not a sequence number")
                }
                origin = PacketOrigin(origin: name, sequence: sequence)
            }
            self = .broadcast(options: try data.options(), packet: packet, requestID: try data.optionalString("requestId"), origin: origin)
        case .socketsJoin:
            let data = try data()
            self = .socketsJoin(options: try data.options(), rooms: Set(try data.strings("rooms")))
        case .socketsLeave:
            let data = try data()
            self = .socketsLeave(options: try data.options(), rooms: Set(try data.strings("rooms")))
        case .disconnectSockets:
            let data = try data()
            self = .disconnectSockets(options: try data.options(), close: try data.bool("close"))
        case .fetchSockets:
            let data = try data()
            guard let query = SocketQuery(rawValue: try data.string("query")) else {
                throw ClusterMessageDecodingError(description: "unknown FETCH_SOCKETS query")
            }
            self = .fetchSockets(options: try data.options(), query: query, requestID: try data.string("requestId"))
        case .serverSideEmit:
            let data = try data()
            let packet = try data.array("packet")
            guard case .string(let event)? = packet.first else {
                throw ClusterMessageDecodingError(description: "SERVER_SIDE_EMIT without an event name")
            }
            self = .serverSideEmit(event: event, args: Array(packet.dropFirst()), requestID: try data.optionalString("requestId"))
        case .fetchSocketsResponse:
            let data = try data()
            let answer: ClusterAnswer
            if let sockets = data["sockets"] {
                answer = .socketSnapshots(try WireObject.array(sockets, "sockets").map { value throws(ClusterMessageDecodingError) in
                    try SocketSnapshot(json: value)
                })
            } else if data["ids"] != nil {
                answer = .socketIDs(try data.strings("ids"))
            } else {
                answer = .socketCount(try data.int("count"))
            }
            self = .response(requestID: try data.string("requestId"), answer: answer)
        case .serverSideEmitResponse:
            let data = try data()
            let answer = try data["packet"].map { value throws(ClusterMessageDecodingError) in try WireObject.array(value, "packet") }
            self = .response(requestID: try data.string("requestId"), answer: .serverSideEmit(answer))
        case .broadcastClientCount:
            let data = try data()
            self = .response(requestID: try data.string("requestId"), answer: .clientCount(try data.int("clientCount")))
        case .releaseSession:
            let data = try data()
            self = .releaseSession(pid: try data.string("pid"), requestID: try data.string("requestId"))
        case .releaseSessionResponse:
            let data = try data()
            self = .response(requestID: try data.string("requestId"), answer: .released(try data.bool("released")))
        case .recoveryLog:
            self = .recoveryLog(requestID: try data().string("requestId"))
        case .recoveryLogResponse:
            let data = try data()
            self = .response(requestID: try data.string("requestId"), answer: .recoveryLog(try RecoveryLogSnapshot(wire: data.object("log"))))
        }
    }
}

extension BroadcastOptions {
    /// socket.io's `{rooms, except, flags}`; `local` stays home. gatewayd's own flag `recoverable` travels only when
    /// set: each node stamps and records such a packet itself.
    fileprivate var json: JSONValue {
        var wireFlags: [String: JSONValue] = ["volatile": .bool(flags.volatile)]
        if flags.recoverable { wireFlags["recoverable"] = true }
        return ["rooms": .strings(rooms), "except": .strings(except), "flags": .object(wireFlags)]
    }
}

extension RecoveryLogSnapshot {
    /// `{entries: [{origin, seq, packet, attachments?, stamp, opts, ttl}], complete: {origin: seq}, head}`: sequence
    /// numbers as text (beyond JSON's exact integers), `ttl` in milliseconds.
    fileprivate var json: JSONValue {
        let entries: [JSONValue] = entries.map { entry in
            var object: [String: JSONValue] = [
                "origin": .string(entry.origin.origin), "seq": .string(String(entry.origin.sequence)),
                "packet": .string(String(decoding: entry.packet.text, as: UTF8.self)), "stamp": .int(entry.stampLength),
                "opts": entry.options.json, "ttl": .int(Int(entry.remaining / .milliseconds(1))),
            ]
            if !entry.packet.attachments.isEmpty { object["attachments"] = .array(entry.packet.attachments.map(JSONValue.binary)) }
            return .object(object)
        }
        return [
            "entries": .array(entries), "complete": .object(completeFrom.mapValues { .string(String($0)) }),
            "head": .string(head.text),
        ]
    }

    fileprivate init(wire log: WireObject) throws(ClusterMessageDecodingError) {
        func sequence(_ text: String) throws(ClusterMessageDecodingError) -> UInt64 {
            guard let sequence = UInt64(text) else { throw ClusterMessageDecodingError(description: "recovery log: \(text) is not a sequence number") }
            return sequence
        }
        var entries: [Entry] = []
        for value in try log.array("entries") {
            let entry = try WireObject(value, "recovery log entry")
            let packet = EncodedSocketIOPacket(text: Array(try entry.string("packet").utf8), attachments: try entry.optionalBinaries("attachments"))
            let stamp = try entry.int("stamp")
            guard Entry.isStamp(stamp, of: packet.text) else {
                throw ClusterMessageDecodingError(description: "recovery log entry: its last \(stamp) bytes are not an offset")
            }
            entries.append(Entry(origin: PacketOrigin(origin: try entry.string("origin"), sequence: try sequence(entry.string("seq"))),
                                 packet: packet, stampLength: stamp, options: try entry.options(),
                                 remaining: .milliseconds(try entry.int("ttl"))))
        }
        var completeFrom: [String: UInt64] = [:]
        for (origin, text) in try log.stringDictionary("complete") { completeFrom[origin] = try sequence(text) }
        guard let head = RecoveryPosition(text: try log.string("head")) else {
            throw ClusterMessageDecodingError(description: "recovery log: head is not a position")
        }
        self.init(entries: entries, completeFrom: completeFrom, head: head)
    }
}

extension SocketSnapshot {
    fileprivate var json: JSONValue {
        [
            "id": .string(id),
            "handshake": [
                "headers": .object(handshake.headers.dictionary.mapValues(JSONValue.string)),
                "query": .object(handshake.query.dictionary.mapValues(JSONValue.string)),
                "auth": handshake.auth, "address": .string(handshake.address), "issued": .int(handshake.issued),
                "url": .string(handshake.url),
            ],
            "rooms": .strings(rooms), "data": data, "transport": .string(transport),
        ]
    }

    fileprivate init(json: JSONValue) throws(ClusterMessageDecodingError) {
        let socket = try WireObject(json, "socket")
        let handshake = try socket.object("handshake")
        self.init(
            id: try socket.string("id"),
            handshake: Handshake(
                headers: HandshakeFields(try handshake.stringDictionary("headers")),
                query: HandshakeFields(try handshake.stringDictionary("query")),
                auth: handshake["auth"] ?? .null, address: try handshake.string("address"),
                issued: try handshake.int("issued"), url: try handshake.string("url")),
            rooms: Set(try socket.strings("rooms")), data: socket["data"] ?? .null,
            transport: try socket.optionalString("transport") ?? "")
    }
}

extension JSONValue {
    /// Sorted, so that a message's text does not depend on a set's order.
    fileprivate static func strings(_ set: Set<String>) -> JSONValue { .array(set.sorted().map(JSONValue.string)) }
}

/// One JSON object of a received message, whose fields are read with their expected types: anything else is a
/// ``ClusterMessageDecodingError`` naming the field.
private struct WireObject {
    private let members: [String: JSONValue]
    private let name: String

    init(_ value: JSONValue, _ name: String) throws(ClusterMessageDecodingError) {
        guard case .object(let members) = value else { throw ClusterMessageDecodingError(description: "\(name) is not an object") }
        self.members = members
        self.name = name
    }

    subscript(key: String) -> JSONValue? { members[key]?.nonNull }

    private func wrongType(_ key: String) -> ClusterMessageDecodingError {
        ClusterMessageDecodingError(description: "\(name).\(key) is missing or of the wrong type")
    }

    func string(_ key: String) throws(ClusterMessageDecodingError) -> String {
        guard let value = self[key]?.stringValue else { throw wrongType(key) }
        return value
    }

    func optionalString(_ key: String) throws(ClusterMessageDecodingError) -> String? {
        try self[key].map { _ throws(ClusterMessageDecodingError) in try string(key) }
    }

    func int(_ key: String) throws(ClusterMessageDecodingError) -> Int {
        guard let value = self[key]?.intValue else { throw wrongType(key) }
        return value
    }

    func bool(_ key: String) throws(ClusterMessageDecodingError) -> Bool {
        guard let value = self[key]?.boolValue else { throw wrongType(key) }
        return value
    }

    func array(_ key: String) throws(ClusterMessageDecodingError) -> [JSONValue] {
        guard let value = self[key]?.arrayValue else { throw wrongType(key) }
        return value
    }

    static func array(_ value: JSONValue, _ name: String) throws(ClusterMessageDecodingError) -> [JSONValue] {
        guard let items = value.arrayValue else { throw ClusterMessageDecodingError(description: "\(name) is not an array") }
        return items
    }

    func strings(_ key: String) throws(ClusterMessageDecodingError) -> [String] {
        var strings: [String] = []
        for item in try array(key) {
            guard case .string(let string) = item else { throw wrongType(key) }
            strings.append(string)
        }
        return strings
    }

    func optionalBinaries(_ key: String) throws(ClusterMessageDecodingError) -> [[UInt8]] {
        var binaries: [[UInt8]] = []
        for item in self[key] == nil ? [] : try array(key) {
            guard case .binary(let bytes) = item else { throw wrongType(key) }
            binaries.append(bytes)
        }
        return binaries
    }

    func stringDictionary(_ key: String) throws(ClusterMessageDecodingError) -> [String: String] {
        var dictionary: [String: String] = [:]
        for (name, value) in try object(key).members {
            guard case .string(let string) = value else { throw wrongType(key) }
            dictionary[name] = string
        }
        return dictionary
    }

    func object(_ key: String) throws(ClusterMessageDecodingError) -> WireObject {
        guard let value = self[key] else { throw wrongType(key) }
        return try WireObject(value, "\(name).\(key)")
    }

    func optionalObject(_ key: String) throws(ClusterMessageDecodingError) -> WireObject? {
        try self[key].map { value throws(ClusterMessageDecodingError) in try WireObject(value, "\(name).\(key)") }
    }

    func options() throws(ClusterMessageDecodingError) -> BroadcastOptions {
        let options = try object("opts")
        let flags = try options.optionalObject("flags")
        var decoded = BroadcastFlags(volatile: flags?["volatile"]?.boolValue ?? false)
        decoded.recoverable = flags?["recoverable"]?.boolValue ?? false
        return BroadcastOptions(
            rooms: Set(try options.strings("rooms")), except: Set(try options.strings("except")), flags: decoded)
    }
}
