-- Named queries of PgKeyStore. Parameters are %(name)s (psycopg).

-- name: key_insert
INSERT INTO api_keys (key_id, project, name, prefix, key_hash, created_at)
VALUES (%(key_id)s, %(project)s, %(name)s, %(prefix)s, %(key_hash)s, %(created_at)s);

-- name: key_find
SELECT key_id, project, name, prefix, key_hash, created_at, revoked_at
FROM api_keys WHERE key_hash = %(key_hash)s AND revoked_at IS NULL;

-- name: key_get
SELECT key_id, project, name, prefix, key_hash, created_at, revoked_at
FROM api_keys WHERE key_id = %(key_id)s;

-- name: key_list_all
SELECT key_id, project, name, prefix, key_hash, created_at, revoked_at
FROM api_keys ORDER BY key_id;

-- name: key_list_project
SELECT key_id, project, name, prefix, key_hash, created_at, revoked_at
FROM api_keys WHERE project = %(project)s ORDER BY key_id;

-- name: key_revoke
UPDATE api_keys SET revoked_at = %(revoked_at)s WHERE key_id = %(key_id)s AND revoked_at IS NULL;

-- name: key_projects
SELECT DISTINCT project FROM api_keys WHERE revoked_at IS NULL ORDER BY project;
