-- API keys: bearer token -> project. Only the SHA-256 of the key is kept (see store_keys.py).
-- Instants are timestamptz here: the KeyStore contract speaks datetimes, not floats.
CREATE TABLE api_keys (
    key_id      text PRIMARY KEY,
    project     text NOT NULL,
    name        text,
    prefix      text NOT NULL,
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX api_keys_project ON api_keys (project, key_id);
