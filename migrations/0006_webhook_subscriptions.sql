-- 0006: webhook subscriptions (POST /v1/webhooks) beside RECEIVE_WEBHOOK_URL. Each subscription
-- has its own queue of deliveries, so webhook_deliveries gains a subscription_id (0: the
-- RECEIVE_WEBHOOK_URL webhook) and its key becomes (subscription_id, message_id).
CREATE TABLE webhook_subscriptions (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a deleted id stays dead
    url                  TEXT    NOT NULL,
    secret               TEXT    NOT NULL,   -- the HMAC key; needed in clear to sign, never shown again
    accounts             TEXT,               -- JSON array of numbers; NULL: every account
    kinds                TEXT,               -- JSON array of event kinds; NULL: every kind
    created_at           INTEGER NOT NULL,   -- ms since epoch
    created_by           TEXT,               -- the token's name; NULL without auth
    last_attempt_at      INTEGER,            -- ms since epoch
    last_delivered_at    INTEGER,            -- ms since epoch
    last_status          INTEGER,            -- HTTP status of the last attempt; NULL: no answer
    last_error           TEXT,               -- NULL once an attempt succeeds
    consecutive_failures INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE webhook_deliveries_0006 (
    subscription_id INTEGER NOT NULL DEFAULT 0,
    message_id      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt    INTEGER NOT NULL,         -- ms since epoch
    last_error      TEXT,
    state           TEXT    NOT NULL DEFAULT 'pending',   -- pending | delivered | failed
    PRIMARY KEY (subscription_id, message_id)
);
INSERT INTO webhook_deliveries_0006 (subscription_id, message_id, attempts, next_attempt, last_error, state)
    SELECT 0, message_id, attempts, next_attempt, last_error, state FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_0006 RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (subscription_id, state, message_id);
-- Deleting a message (retention) finds its delivery rows without a scan.
CREATE INDEX webhook_deliveries_by_message ON webhook_deliveries (message_id);
