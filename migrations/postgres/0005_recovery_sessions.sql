-- Connection state recovery in a cluster: the sessions of disconnected sockets, kept until their window ends, so that
-- a client coming back through any node recovers. `session` is the socket's state as the node that kept it wrote it
-- (JSON: id, rooms, the positions it joined them at, data). A recovery or the end of the window deletes the row by
-- `pid` and `disconnection` (a later disconnection of the same socket has another); the nodes' heartbeats delete rows
-- whose window ended on a node that stopped.
CREATE TABLE recovery_sessions (
    namespace     text        COLLATE "C" NOT NULL,
    pid           text        COLLATE "C" NOT NULL,
    disconnection text        NOT NULL,
    session       text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (namespace, pid)
);

CREATE INDEX recovery_sessions_expires_at ON recovery_sessions (expires_at);
