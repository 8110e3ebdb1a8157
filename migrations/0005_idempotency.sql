-- 0005: Idempotency-Key on the send-like routes (signal_api/storage/idempotency.py). One row per
-- key of an owner, account and route: the first request's fingerprint and, once it finished, its
-- response. Request bodies are never stored, only their SHA-256.
CREATE TABLE idempotency_keys (
    owner       TEXT    NOT NULL,          -- '' without a token, 'token:' || NAME with one
    account     TEXT    NOT NULL,          -- the {number} of the route or the body's "number"; may be ''
    route       TEXT    NOT NULL,          -- method and URL rule, e.g. 'POST /v2/send'
    key         TEXT    NOT NULL,          -- the Idempotency-Key header as sent
    fingerprint TEXT    NOT NULL,          -- SHA-256 of the canonical request body
    state       TEXT    NOT NULL,          -- pending | done | failed
    attempt     TEXT    NOT NULL,          -- the request that holds (pending) or held the key
    claimed_at  INTEGER NOT NULL,          -- ms since epoch
    expires_at  INTEGER NOT NULL,          -- ms since epoch; the retention job deletes the row after it
    status      INTEGER,                   -- the response, once finished
    headers     TEXT,                      -- JSON [[name, value], ...]
    body        BLOB,
    PRIMARY KEY (owner, account, route, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
