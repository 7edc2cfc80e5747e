import EngineIO
import JSONCore
import SocketIO

/// The parsers `scripts/fuzz.sh` attacks with libFuzzer, each with the property it must keep on any input: never
/// crash, and what it accepts re-encodes to something it decodes to the same value. A broken property stops the run
/// (`precondition`), so libFuzzer saves the input as a crash.
enum FuzzTarget: String, CaseIterable {
    /// `JSONValue(parsing:)`: the JSON every payload, body and setting goes through.
    case json
    /// An Engine.IO v4 long-polling body (packets separated by `\u{1e}`, binary as `b` + base64).
    case engineIOv4 = "engineio-v4"
    /// An Engine.IO v3 body: length-prefixed text and binary framing, base64 (`b4…`) included.
    case engineIOv3 = "engineio-v3"
    /// A Socket.IO packet: the text message, then its binary attachments, the parts separated by a 0 byte.
    case socketIO = "socketio"
    /// The JWT path of the handshake and `AUTH`: a token as it comes, then a header and claims signed for real.
    case jwt
    /// The collection request parser and filter compiler, against SQLite.
    case filter
    /// The handlers-folder loader: `gateway.json`, an event's `.json` and `.lua`, a connection script, a hook.
    case handlers
    /// The admin API's request bodies: gateways, events, test runs, emits, collection items.
    case admin

    func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .json: Self.json(input)
        case .engineIOv4: Self.engineIO(Array(input), version: .v4)
        case .engineIOv3: Self.engineIO(Array(input), version: .v3)
        case .socketIO: Self.socketIO(Array(input))
        case .jwt: Self.jwt(Array(input))
        case .filter: Self.filter(input)
        case .handlers: Self.handlers(Array(input))
        case .admin: Self.adminBody(Array(input))
        }
    }

    /// A number too large for a double (`1e400`) parses as infinity and is written as `null`, as `JSON.parse` and
    /// `JSON.stringify` do (in a Socket.IO packet's data too): the round trip holds once non-finite numbers are `null`.
    private static func json(_ input: UnsafeRawBufferPointer) {
        guard let value = try? JSONValue(parsing: input) else { return }
        let text = value.serialized()
        let again = try? JSONValue(parsing: text)
        precondition(again == finite(value), "JSON \(text) does not parse back to what it was written from")
    }

    static func finite(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let number) where !number.isFinite: .null
        case .array(let items): .array(items.map(finite))
        case .object(let members): .object(members.mapValues(finite))
        default: value
        }
    }

    private static func engineIO(_ body: [UInt8], version: EngineProtocolVersion) {
        guard let packets = try? EnginePayloadCodec.decode(body, version: version) else { return }
        for forceBase64 in [false, true] {
            let encoded = EnginePayloadCodec.encode(packets, version: version, forceBase64: forceBase64)
            let again = try? EnginePayloadCodec.decode(encoded.bytes, version: version)
            precondition(again == packets, "\(version) payload does not decode back (base64: \(forceBase64))")
        }
    }

    private static func socketIO(_ input: [UInt8]) {
        let parts = input.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        guard let packet = decode(text: parts[0], attachments: parts.dropFirst()) else { return }
        let encoded = SocketIOPacketEncoder.encode(packet)
        let again = decode(text: encoded.text, attachments: encoded.attachments[...])
        var expected = packet
        expected.data = packet.data.map(finite)
        precondition(again == expected, "Socket.IO packet \(String(decoding: encoded.text, as: UTF8.self)) does not decode back")
    }

    /// The packet the text and then the attachments complete, if they do.
    private static func decode(text: [UInt8], attachments: ArraySlice<[UInt8]>) -> SocketIOPacket? {
        var decoder = SocketIOPacketDecoder()
        do {
            if let packet = try decoder.receive(text: String(decoding: text, as: UTF8.self)) { return packet }
            for attachment in attachments {
                if let packet = try decoder.receive(binary: attachment) { return packet }
            }
            return nil
        } catch {
            return nil
        }
    }
}
