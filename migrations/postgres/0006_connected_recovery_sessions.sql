-- Connection state recovery after a node dies unseen (kill -9, a lost machine): a node also keeps the state of the
-- sockets connected to it, so that their clients recover through another node even though nobody wrote their session
-- at the disconnection. `node` names the node a socket is connected to (NULL once it left: the row is then a kept
-- session, as before); a connected row never expires by itself (`expires_at` is infinity) and carries the window it
-- gets (`retention_ms`) from the moment the heartbeats find its node gone, or the node starts again under its id.
ALTER TABLE recovery_sessions
    ADD COLUMN node         text   COLLATE "C",
    ADD COLUMN retention_ms bigint NOT NULL DEFAULT 0;

CREATE INDEX recovery_sessions_node ON recovery_sessions (node) WHERE node IS NOT NULL;
