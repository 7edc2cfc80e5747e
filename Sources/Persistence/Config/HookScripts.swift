import Foundation
import JSONCore

/// A gateway's change hooks as stored: one JSON object from collection name to Lua source.
enum HookScripts {
    /// Collection names a hook may be keyed by (the collection store's rule).
    static func check(_ hooks: [String: String]) throws(ConfigStoreError) {
        for name in hooks.keys.sorted() {
            do {
                _ = try CollectionName(name)
            } catch {
                throw .invalid(field: "hooks.\(name)", message: error.message)
            }
        }
    }

    static func encode(_ hooks: [String: String]) -> String {
        JSONValue.object(hooks.mapValues(JSONValue.string)).serialized()
    }

    static func decode(_ text: String) throws -> [String: String] {
        guard let members = try JSONValue(parsing: text).objectValue else { return [:] }
        return members.compactMapValues(\.stringValue)
    }
}
