-- Named queries of the webhook delivery list (pg_webhooks.py). Newest first: ids are
-- time-ordered, and the primary key (project, id) serves both the order and the cursor.

-- name: delivery_list
SELECT * FROM webhook_deliveries
WHERE project = %(project)s AND (%(state)s::text IS NULL OR state = %(state)s::text)
  AND (%(cursor)s::text IS NULL OR id < %(cursor)s::text)
ORDER BY id DESC LIMIT %(limit)s;
