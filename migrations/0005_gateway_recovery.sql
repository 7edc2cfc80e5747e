-- socket.io's connection state recovery, per gateway (the `recovery` object of gateway.json and the admin API):
-- whether it is on, how long a disconnected socket is kept for it, and whether a recovered socket skips the
-- connection script. Existing gateways get the defaults: off, 120 s, skip.

ALTER TABLE gateways ADD COLUMN recovery_enabled INTEGER NOT NULL DEFAULT 0 CHECK (recovery_enabled IN (0, 1));
ALTER TABLE gateways ADD COLUMN recovery_max_disconnection_ms INTEGER NOT NULL DEFAULT 120000
    CHECK (recovery_max_disconnection_ms BETWEEN 1000 AND 86400000);
ALTER TABLE gateways ADD COLUMN recovery_skip_connection_handler INTEGER NOT NULL DEFAULT 1
    CHECK (recovery_skip_connection_handler IN (0, 1));
