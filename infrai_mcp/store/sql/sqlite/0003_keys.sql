-- API keys: bearer token -> project. Only the SHA-256 of the key is kept (see store_keys.py).
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      TEXT PRIMARY KEY,
    project     TEXT NOT NULL,
    name        TEXT,
    prefix      TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_project ON api_keys (project, key_id);
