/// The enums a row holds as their raw text (`ack_mode`, `default_ack`, `origin`).
enum StoredEnum {
    static func decode<Value: RawRepresentable<String>>(_ text: String) throws -> Value {
        guard let value = Value(rawValue: text) else {
            throw PostgresStorageError("a stored \(Value.self) is '\(text)', which this gatewayd does not know")
        }
        return value
    }
}
