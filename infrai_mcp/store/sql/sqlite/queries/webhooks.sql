-- Named queries of the webhook delivery list (webhook_sqlite.py). Newest first: ids are
-- time-ordered, and the primary key (project, id) serves both the order and the cursor.

-- name: delivery_list
SELECT * FROM webhook_deliveries
WHERE project = :project AND (:state IS NULL OR state = :state) AND (:cursor IS NULL OR id < :cursor)
ORDER BY id DESC LIMIT :limit;
