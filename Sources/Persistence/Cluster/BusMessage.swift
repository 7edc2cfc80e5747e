/// One message on a ``MessageBus``: text (JSON, for the cluster adapter) and binary attachments, delivered as published.
public struct BusMessage: Sendable, Equatable {
    public var text: [UInt8]
    public var attachments: [[UInt8]]

    public init(text: [UInt8], attachments: [[UInt8]] = []) {
        self.text = text
        self.attachments = attachments
    }
}
