-- name: key_insert
INSERT INTO api_keys (key_id, project, name, prefix, key_hash, created_at)
VALUES (:key_id, :project, :name, :prefix, :key_hash, :created_at);

-- name: key_find
SELECT key_id, project, name, prefix, key_hash, created_at, revoked_at
FROM api_keys WHERE key_hash = :key_hash AND revoked_at IS NULL;

-- name: key_get
SELECT key_id, project, name, prefix, key_hash, created_at, revoked_at
FROM api_keys WHERE key_id = :key_id;

-- name: key_list_all
SELECT key_id, project, name, prefix, key_hash, created_at, revoked_at
FROM api_keys ORDER BY key_id;

-- name: key_list_project
SELECT key_id, project, name, prefix, key_hash, created_at, revoked_at
FROM api_keys WHERE project = :project ORDER BY key_id;

-- name: key_revoke
UPDATE api_keys SET revoked_at = :revoked_at WHERE key_id = :key_id AND revoked_at IS NULL;

-- name: key_projects
SELECT DISTINCT project FROM api_keys WHERE revoked_at IS NULL ORDER BY project;
