-- Schema version 1: the service's own bookkeeping. Tables arrive with the features that need them.
CREATE TABLE IF NOT EXISTS service_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
