-- 0002: webhook deliveries, so that pending deliveries survive a restart.
CREATE TABLE webhook_deliveries (
    message_id   INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,         -- ms since epoch
    last_error   TEXT,
    state        TEXT    NOT NULL DEFAULT 'pending'   -- pending | delivered | failed
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt);
