-- What the nodes of a cluster share besides the config and the collections: the notification channels they talk on,
-- the message bus's attachments, the registry of live nodes, and a notification on every config change.

-- The prefix of every channel the nodes of this schema's cluster LISTEN and NOTIFY on: `gatewayd` in schema public,
-- `gatewayd:<schema>` in another (`gatewayd:` and 16 hex digits of its md5 when the schema's name is longer than 16
-- bytes), so that clusters on different schemas of one database never hear each other. Channel names stay well within
-- PostgreSQL's 63 bytes whatever follows (`#config`, `#registry`, `#nodes`,
-- `#node#<node id>`).
CREATE FUNCTION gatewayd_channel_prefix() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE
        WHEN current_schema() = 'public' THEN 'gatewayd'
        WHEN octet_length(current_schema()) <= 16 THEN 'gatewayd:' || current_schema()
        ELSE 'gatewayd:' || left(md5(current_schema()), 16)
    END;
END;

-- Every change of the config revision notifies `<prefix>#config` when its transaction commits, so every node reloads at
-- once. The payload is empty: PostgreSQL folds identical notifications of one transaction into one, so a sync that
-- changes fifty gateways notifies once.
CREATE OR REPLACE FUNCTION gatewayd_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE config_revision SET revision = revision + 1;
    PERFORM pg_notify(gatewayd_channel_prefix() || '#config', '');
    RETURN NULL;
END $$;

-- Bus messages that do not fit in a notification (8,000 bytes or more, or with binary attachments): the notification
-- names the row. Rows are read within moments; publishers delete those older than a minute.
CREATE TABLE cluster_attachments (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    text        bytea       NOT NULL,
    attachments bytea[]     NOT NULL
);

CREATE INDEX cluster_attachments_created_at ON cluster_attachments (created_at);

-- The live nodes: each writes its row at start-up and at every heartbeat. A row whose heartbeat is older than the
-- expiry is a node that stopped; the nodes' own heartbeats delete such rows. Times are the server's, so the nodes'
-- clocks do not matter.
CREATE TABLE cluster_nodes (
    id           text        COLLATE "C" PRIMARY KEY,
    address      text        NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    sockets      integer     NOT NULL DEFAULT 0
);
