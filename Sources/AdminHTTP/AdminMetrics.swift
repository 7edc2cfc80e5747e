import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text the daemon's registry renders (the admin API does not know the registry), under
/// the admin auth rule unless `isPublic`.
public struct AdminMetrics: Sendable {
    public let isPublic: Bool
    /// Samples what is read at scrape time and renders every metric.
    public let render: @Sendable () -> [UInt8]

    public init(isPublic: Bool, render: @escaping @Sendable () -> [UInt8]) {
        self.isPublic = isPublic
        self.render = render
    }

    /// Prometheus' text exposition format, version 0.0.4.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func response() -> Response {
        Response(status: .ok, headers: [.contentType: Self.contentType], body: .init(byteBuffer: ByteBuffer(bytes: render())))
    }
}
