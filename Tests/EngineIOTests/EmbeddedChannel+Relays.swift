import NIOCore
import NIOEmbedded

extension EmbeddedChannel {
    /// Whether `text`, read by this channel, comes out of `other` (glued to it), once the read completes.
    func relays(_ text: String, to other: EmbeddedChannel) throws -> Bool {
        try writeInbound(ByteBuffer(string: text))
        pipeline.fireChannelReadComplete()
        return try other.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: text)
    }
}
