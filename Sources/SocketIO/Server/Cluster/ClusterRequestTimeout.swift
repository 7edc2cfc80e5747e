/// What ``ClusterAdapter/fetchSockets(_:)`` and ``ClusterAdapter/sockets(_:)`` throw when some nodes did not answer
/// within ``ClusterAdapterOptions/requestTimeout``: a list with those nodes' sockets missing would pass for the whole.
public struct ClusterRequestTimeout: Error, CustomStringConvertible {
    public var request: ClusterMessageType
    /// The nodes that did not answer.
    public var missing: Set<String>
    public var timeout: Duration

    public var description: String {
        "timeout reached: no answer to \(request) from node(s) \(missing.sorted().joined(separator: ", ")) within \(timeout)"
    }
}
