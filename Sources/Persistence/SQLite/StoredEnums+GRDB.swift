import GRDB

// The enums a row holds as their raw text (`ack_mode`, `default_ack`, `origin`); GRDB supplies the conversion.

extension AckMode: DatabaseValueConvertible {}

extension GatewayOrigin: DatabaseValueConvertible {}
