-- 0003: signal-cli may hand over the same envelope twice (a daemon killed after delivering but
-- before acknowledging delivers it again after its restart). One row per envelope identity.
ALTER TABLE messages ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX messages_dedup ON messages (account, dedup_key) WHERE dedup_key IS NOT NULL;
