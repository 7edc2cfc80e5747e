/// A bus message as one notification's payload: `<sender> <sequence> =<text>` carries the message's text itself,
/// `<sender> <sequence> @<id>` names the `cluster_attachments` row that holds it.
///
/// A payload must be shorter than 8,000 bytes and be text without NUL: a message that would not be, or that has
/// binary attachments, travels in a row. The sequence number keeps every payload of a sender distinct, since
/// PostgreSQL folds identical notifications of one transaction into one.
enum BusNotification: Equatable {
    case inline(String)
    case stored(rowID: Int64)

    /// PostgreSQL's limit on a notification's payload: it must be shorter.
    static let payloadLimit = 8_000

    struct Header: Equatable {
        var sender: String
        var sequence: UInt64
    }

    /// The notification of `message`, or nil when it must travel in a row.
    static func inline(_ message: BusMessage, header: Header) -> String? {
        guard message.attachments.isEmpty, message.text.count < payloadLimit, !message.text.contains(0),
              let text = String(validating: message.text, as: UTF8.self)
        else { return nil }
        let payload = "\(header.sender) \(header.sequence) =\(text)"
        return payload.utf8.count < payloadLimit ? payload : nil
    }

    static func stored(rowID: Int64, header: Header) -> String {
        "\(header.sender) \(header.sequence) @\(rowID)"
    }

    /// Reads a payload; nil when it is not one of these.
    static func parse(_ payload: String) -> (Header, BusNotification)? {
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let sequence = UInt64(parts[1]), let kind = parts[2].first else { return nil }
        let header = Header(sender: String(parts[0]), sequence: sequence)
        let body = parts[2].dropFirst()
        switch kind {
        case "=": return (header, .inline(String(body)))
        case "@": return Int64(body).map { (header, .stored(rowID: $0)) }
        default: return nil
        }
    }
}
