-- 0001: the durable inbox. Every envelope taken from signal-cli is stored here before anyone
-- sees it. The row id is the message's cursor: it only grows (AUTOINCREMENT never reuses ids).
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT    NOT NULL,
    received_at INTEGER NOT NULL,          -- ms since epoch, when the service stored it
    payload     TEXT    NOT NULL           -- the {"envelope": ..., "account": ...} JSON as received
);
CREATE INDEX messages_by_account ON messages (account, id);
CREATE INDEX messages_by_age ON messages (received_at);

-- How far each consumer has read, per account (the GET /v1/receive consumer is "http").
CREATE TABLE consumer_cursors (
    consumer TEXT    NOT NULL,
    account  TEXT    NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (consumer, account)
);
