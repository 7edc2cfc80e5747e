-- socket.io's connection state recovery, per gateway: the PostgreSQL form of the SQLite set's 0005, with the same
-- columns, rules and defaults (existing gateways get them: off, 120 s, skip the connection script).

ALTER TABLE gateways
    ADD COLUMN recovery_enabled                 boolean NOT NULL DEFAULT false,
    ADD COLUMN recovery_max_disconnection_ms    integer NOT NULL DEFAULT 120000
        CHECK (recovery_max_disconnection_ms BETWEEN 1000 AND 86400000),
    ADD COLUMN recovery_skip_connection_handler boolean NOT NULL DEFAULT true;
