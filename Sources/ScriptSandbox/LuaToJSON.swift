import CLuaShim
import JSONCore

/// Why a Lua value cannot become JSON (reported as `INVALID_RESULT`).
struct LuaConversionError: Error, Equatable {
    var message: String

    /// The value's JSON text would pass the byte budget.
    static let tooLarge = LuaConversionError(message: "the value is larger than the payload limit")
}

/// Reads Lua values as ``JSONValue`` without running any Lua code (raw access only) and without raising,
/// following the rules documented on ``LuaSandbox`` (the same for results, emits, THROW details, `LOGS`
/// and `JSON.encode`). In lenient mode (logs) refused values become strings like `"<function>"`; only the
/// byte budget still fails.
struct LuaToJSON {
    static let maxDepth = JSONValue.defaultMaxDepth

    let state: OpaquePointer
    let lenient: Bool
    /// Bytes of JSON text still allowed.
    var remainingBytes: Int
    private var tablesInProgress: [UnsafeRawPointer] = []

    init(state: OpaquePointer, lenient: Bool = false, budget: Int) {
        self.state = state
        self.lenient = lenient
        self.remainingBytes = budget
    }

    /// Converts the values at stack indices `range`, leaving the stack as it was.
    mutating func values(at range: ClosedRange<Int32>) throws(LuaConversionError) -> [JSONValue] {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        var result: [JSONValue] = []
        result.reserveCapacity(range.count)
        for index in range {
            result.append(try value(at: index, depth: 0))
        }
        return result
    }

    /// Converts one value, leaving the stack as it was.
    mutating func value(at index: Int32) throws(LuaConversionError) -> JSONValue {
        try values(at: index...index)[0]
    }

    private mutating func charge(_ bytes: Int) throws(LuaConversionError) {
        remainingBytes -= bytes
        if remainingBytes < 0 { throw LuaConversionError.tooLarge }
    }

    private mutating func refuse(_ message: String, placeholder: String) throws(LuaConversionError) -> JSONValue {
        guard lenient else { throw LuaConversionError(message: message) }
        try charge(placeholder.utf8.count + 2)
        return .string(placeholder)
    }

    private mutating func value(at index: Int32, depth: Int) throws(LuaConversionError) -> JSONValue {
        switch lua_type(state, index) {
        case LUA_TNIL:
            try charge(4)
            return .null
        case LUA_TBOOLEAN:
            try charge(5)
            return .bool(lua_toboolean(state, index) != 0)
        case LUA_TNUMBER:
            try charge(8)
            if lua_isinteger(state, index) != 0 { return .int(Int(lua_tointegerx(state, index, nil))) }
            let number = lua_tonumberx(state, index, nil)
            guard number.isFinite else {
                return try refuse("\(number) cannot be represented in JSON", placeholder: "<\(number)>")
            }
            return .double(number)
        case LUA_TSTRING:
            let text = string(at: index)
            try charge(text.utf8.count + 2)
            return .string(text)
        case LUA_TTABLE:
            return try table(at: index, depth: depth + 1)
        case LUA_TUSERDATA:
            if clua_is_null(state, index) != 0 {
                try charge(4)
                return .null
            }
            var length = 0
            if let bytes = clua_to_binary(state, index, &length) {
                try charge(length / 3 * 4 + 6)
                return .binary(Array(UnsafeRawBufferPointer(start: bytes, count: length)))
            }
            return try refuse("a userdata value cannot be represented in JSON", placeholder: "<userdata>")
        default:
            let typeName = String(cString: lua_typename(state, lua_type(state, index)))
            return try refuse("a \(typeName) value cannot be represented in JSON", placeholder: "<\(typeName)>")
        }
    }

    /// A Lua string's bytes as a Swift string. Only for values that are strings (no number conversion).
    private func string(at index: Int32) -> String {
        var length = 0
        let bytes = lua_tolstring(state, index, &length)
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    private mutating func table(at index: Int32, depth: Int) throws(LuaConversionError) -> JSONValue {
        let index = lua_absindex(state, index)
        guard depth <= Self.maxDepth, lua_checkstack(state, 4) != 0 else {
            return try refuse("the value nests deeper than \(Self.maxDepth) levels", placeholder: "<too deep>")
        }
        let identity = lua_topointer(state, index)!
        if tablesInProgress.contains(identity) {
            return try refuse("the value contains a cycle", placeholder: "<cycle>")
        }
        tablesInProgress.append(identity)
        defer { tablesInProgress.removeLast() }
        try charge(2)

        // `lua_next` visits the array part first, in order: keys 1, 2, 3... go straight into `sequence`; any
        // other integer key sends the rest to `elements`, which the dense-array rule decides on later.
        var sequence: [JSONValue] = []
        var elements: [(key: Int, value: JSONValue)] = []
        var members: [(key: String, value: JSONValue)] = []
        lua_pushnil(state)
        while lua_next(state, index) != 0 {
            let valueIndex = lua_gettop(state)
            let keyIndex = valueIndex - 1
            if lua_type(state, keyIndex) == LUA_TSTRING {
                let key = string(at: keyIndex)
                try charge(key.utf8.count + 4)
                members.append((key, try value(at: valueIndex, depth: depth)))
            } else if lua_type(state, keyIndex) == LUA_TNUMBER, lua_isinteger(state, keyIndex) != 0 {
                try charge(1)
                let key = Int(lua_tointegerx(state, keyIndex, nil))
                let element = try value(at: valueIndex, depth: depth)
                if elements.isEmpty, key == sequence.count + 1 {
                    sequence.append(element)
                } else {
                    elements.append((key, element))
                }
            } else if lenient {
                try charge(12)
            } else {
                let typeName = String(cString: lua_typename(state, lua_type(state, keyIndex)))
                let description = lua_type(state, keyIndex) == LUA_TNUMBER ? "a non-integer number" : "a \(typeName)"
                throw LuaConversionError(message: "a table key that is \(description) cannot be represented in JSON")
            }
            lua_settop(state, keyIndex)
        }
        if members.isEmpty, elements.isEmpty, !sequence.isEmpty { return .array(sequence) }
        elements += sequence.enumerated().map { ($0.offset + 1, $0.element) }
        if members.isEmpty, !elements.isEmpty, let array = try denseArray(elements) {
            return .array(array)
        }
        if members.isEmpty, elements.isEmpty, clua_is_marked_array(state, index) != 0 {
            return .array([])
        }
        var object = [String: JSONValue](minimumCapacity: members.count + elements.count)
        for (key, value) in elements { object[String(key)] = value }
        for (key, value) in members { object[key] = value }
        return .object(object)
    }

    /// The elements as an array when their keys are positive and dense enough (holes become null).
    private mutating func denseArray(_ elements: [(key: Int, value: JSONValue)]) throws(LuaConversionError) -> [JSONValue]? {
        guard let smallest = elements.lazy.map(\.key).min(), smallest >= 1,
              let largest = elements.lazy.map(\.key).max(), largest <= 2 * elements.count
        else { return nil }
        try charge(5 * (largest - elements.count))
        var array = [JSONValue](repeating: .null, count: largest)
        for (key, value) in elements { array[key - 1] = value }
        return array
    }
}
