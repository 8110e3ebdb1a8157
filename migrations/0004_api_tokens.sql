-- 0004: API tokens (SIGNAL_API_AUTH=token), managed with `signal-api tokens create|list|revoke`.
-- A token is "sapi_<lookup>_<secret>". Only the lookup part (random, not secret: it finds the row
-- without comparing against every token) and a salted hash of the secret are stored.
CREATE TABLE api_tokens (
    name         TEXT    PRIMARY KEY,
    lookup       TEXT    NOT NULL UNIQUE,
    salt         BLOB    NOT NULL,
    digest       BLOB    NOT NULL,     -- HMAC-SHA256(key=salt, secret)
    accounts     TEXT,                 -- JSON array of numbers; NULL: every account
    scopes       TEXT,                 -- JSON array of scope names; NULL: every scope
    rate         TEXT,                 -- e.g. "5/s"; NULL: no limit
    created_at   INTEGER NOT NULL,     -- ms since epoch
    last_used_at INTEGER               -- ms since epoch (updated at most once a minute)
);
