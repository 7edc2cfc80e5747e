import JSONCore

/// `POST /admin/emit` `{target: {user|room|gateway|all}, event, args?}`: exactly one target key.
struct EmitRequest: Decodable {
    var target: EmitTarget
    var event: String
    var args: [JSONValue]

    private enum CodingKeys: String, CodingKey { case target, event, args }
    private enum TargetKeys: String, CodingKey, CaseIterable { case user, room, gateway, all }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        event = try container.decode(String.self, forKey: .event)
        guard !event.isEmpty else { throw AdminError.validation(field: "event", "must not be empty") }
        args = try container.decodeIfPresent([AnyJSON].self, forKey: .args)?.map(\.value) ?? []
        let target = try container.nestedContainer(keyedBy: TargetKeys.self, forKey: .target)
        guard target.allKeys.count == 1, let key = target.allKeys.first else {
            throw AdminError.validation(field: "target", "must have exactly one of user, room, gateway or all")
        }
        switch key {
        case .user:
            // User ids are often numbers in tokens; they are addressed by their text.
            if let number = try? target.decode(Int.self, forKey: .user) {
                self.target = .user(String(number))
            } else {
                self.target = .user(try Self.nonEmpty(target.decode(String.self, forKey: .user), field: "target.user"))
            }
        case .room: self.target = .room(try Self.nonEmpty(target.decode(String.self, forKey: .room), field: "target.room"))
        case .gateway: self.target = .gateway(try Self.nonEmpty(target.decode(String.self, forKey: .gateway), field: "target.gateway"))
        case .all:
            guard try target.decode(Bool.self, forKey: .all) else { throw AdminError.validation(field: "target.all", "must be true") }
            self.target = .all
        }
    }

    private static func nonEmpty(_ text: String, field: String) throws -> String {
        guard !text.isEmpty else { throw AdminError.validation(field: field, "must not be empty") }
        return text
    }
}

/// The answer: how many sockets the event reached now (0 is not an error: nobody was connected).
struct EmitResponse: Encodable {
    var delivered: Int
}
