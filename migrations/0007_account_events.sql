-- 0007: account events (rate_limit_challenge, rate_limit_cleared) share the messages table, so
-- they get cursors in the same order as messages. event is NULL for a received message; readers
-- that only understand envelopes (GET /v1/receive, history, plain WebSockets) skip other rows.
ALTER TABLE messages ADD COLUMN event TEXT;
