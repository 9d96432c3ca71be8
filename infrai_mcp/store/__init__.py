"""Persistence: the store contract (jobs, queues, webhooks, keys) and its SQLite and PostgreSQL implementations."""
