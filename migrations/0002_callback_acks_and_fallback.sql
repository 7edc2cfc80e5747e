-- Error-first acks (`callback` mode, per event and as a gateway's default) and a gateway's fallback handler
-- (the script run for every event that has no handler of its own).
--
-- SQLite cannot change a CHECK constraint in place, so gateway_events is rebuilt (the documented 12-step way:
-- new table, copy, drop, rename), and its triggers, which went with the old table, are created again.

ALTER TABLE gateways ADD COLUMN default_ack TEXT NOT NULL DEFAULT 'queued'
    CHECK (default_ack IN ('queued', 'result', 'callback'));
ALTER TABLE gateways ADD COLUMN fallback_script TEXT;

CREATE TABLE gateway_events_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    gateway_id  INTEGER NOT NULL REFERENCES gateways(id) ON DELETE CASCADE,
    event_name  TEXT    NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    script      TEXT    NOT NULL,
    timeout_ms  INTEGER NOT NULL DEFAULT 5000 CHECK (timeout_ms BETWEEN 1 AND 300000),
    ack_mode    TEXT    NOT NULL DEFAULT 'queued' CHECK (ack_mode IN ('queued', 'result', 'callback')),
    description TEXT    NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    UNIQUE (gateway_id, event_name)
);
INSERT INTO gateway_events_new SELECT * FROM gateway_events;
DROP TABLE gateway_events;
ALTER TABLE gateway_events_new RENAME TO gateway_events;

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
