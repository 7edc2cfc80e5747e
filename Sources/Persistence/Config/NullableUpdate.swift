/// A PATCH of a nullable field: absent from the request (`keep`), `null` (`clear`), or a new value (`set`).
public enum NullableUpdate<Value: Sendable & Equatable>: Sendable, Equatable {
    case keep
    case clear
    case set(Value)

    func applied(to current: Value?) -> Value? {
        switch self {
        case .keep: current
        case .clear: nil
        case .set(let value): value
        }
    }
}
