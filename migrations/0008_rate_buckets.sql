-- 0008: rate-limit buckets shared by the workers of WORKERS > 1 (signal_api/access/shared_limits.py).
-- One row per key (a token's name, an account's number) and rate: the bucket's level when it was
-- last updated (seconds since the epoch).
CREATE TABLE rate_buckets (
    key TEXT NOT NULL,
    rate TEXT NOT NULL,
    level REAL NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (key, rate)
);
