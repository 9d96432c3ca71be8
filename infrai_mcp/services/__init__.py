"""Operations over the store (jobs, schedules, queues, webhooks) with their validation and records."""
