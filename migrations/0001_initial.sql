-- Gateways (Socket.IO namespaces) and the Lua event handlers they run.
--
-- Timestamps are UTC text in the format GRDB reads as Date ('YYYY-MM-DD HH:MM:SS.SSS').
-- Versions and the global revision are maintained by triggers, so every writer (the daemon, the admin API,
-- `gatewayd handlers sync` in another process) keeps them right without having to remember to.

CREATE TABLE gateways (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    path                  TEXT    NOT NULL UNIQUE,
    enabled               INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    require_auth          INTEGER NOT NULL DEFAULT 0 CHECK (require_auth IN (0, 1)),
    description           TEXT    NOT NULL DEFAULT '',
    connection_script     TEXT,
    disconnect_script     TEXT,
    connection_timeout_ms INTEGER NOT NULL DEFAULT 5000 CHECK (connection_timeout_ms BETWEEN 1 AND 300000),
    -- 'folder' gateways are owned by handlers/<folder_name>/ and only `handlers sync` changes their set.
    origin                TEXT    NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'folder')),
    folder_name           TEXT    UNIQUE CHECK ((origin = 'folder') = (folder_name IS NOT NULL)),
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

CREATE TABLE gateway_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    gateway_id  INTEGER NOT NULL REFERENCES gateways(id) ON DELETE CASCADE,
    event_name  TEXT    NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    script      TEXT    NOT NULL,
    timeout_ms  INTEGER NOT NULL DEFAULT 5000 CHECK (timeout_ms BETWEEN 1 AND 300000),
    ack_mode    TEXT    NOT NULL DEFAULT 'queued' CHECK (ack_mode IN ('queued', 'result')),
    description TEXT    NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    UNIQUE (gateway_id, event_name)
);

-- One row, bumped by every change to gateways or events: the daemon polls it to notice changes made by
-- any process.
CREATE TABLE config_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO config_revision (id, revision) VALUES (1, 0);

-- A gateway's version changes when the gateway row changes (unless the writer set it) ...
CREATE TRIGGER gateways_bump_version AFTER UPDATE ON gateways
WHEN NEW.version = OLD.version
BEGIN
    UPDATE gateways
    SET version = OLD.version + 1, updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE id = NEW.id;
END;

-- ... and when one of its events is created, changed or deleted.
CREATE TRIGGER gateway_events_bump_version AFTER UPDATE ON gateway_events
WHEN NEW.version = OLD.version
BEGIN
    UPDATE gateway_events
    SET version = OLD.version + 1, updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE id = NEW.id;
    UPDATE gateways SET version = version + 1 WHERE id = NEW.gateway_id;
END;

CREATE TRIGGER gateway_events_inserted_bump_gateway AFTER INSERT ON gateway_events
BEGIN
    UPDATE gateways SET version = version + 1 WHERE id = NEW.gateway_id;
END;

CREATE TRIGGER gateway_events_deleted_bump_gateway AFTER DELETE ON gateway_events
BEGIN
    UPDATE gateways SET version = version + 1 WHERE id = OLD.gateway_id;
END;

CREATE TRIGGER gateways_inserted_bump_revision AFTER INSERT ON gateways
BEGIN
    UPDATE config_revision SET revision = revision + 1;
END;

CREATE TRIGGER gateways_updated_bump_revision AFTER UPDATE ON gateways
BEGIN
    UPDATE config_revision SET revision = revision + 1;
END;

CREATE TRIGGER gateways_deleted_bump_revision AFTER DELETE ON gateways
BEGIN
    UPDATE config_revision SET revision = revision + 1;
END;

CREATE TRIGGER gateway_events_inserted_bump_revision AFTER INSERT ON gateway_events
BEGIN
    UPDATE config_revision SET revision = revision + 1;
END;

CREATE TRIGGER gateway_events_updated_bump_revision AFTER UPDATE ON gateway_events
BEGIN
    UPDATE config_revision SET revision = revision + 1;
END;

CREATE TRIGGER gateway_events_deleted_bump_revision AFTER DELETE ON gateway_events
BEGIN
    UPDATE config_revision SET revision = revision + 1;
END;
