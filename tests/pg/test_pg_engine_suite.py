"""The engine's firing suites (tests/engine) re-run on PostgresStore.

Only the tests written against the ``engine`` fixture are collected here; those that
build their own SQLite engines from ``tmp_path`` test SQLite-specific set-ups.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from engine.test_firing import (
    test_4xx_fails_at_once_and_notifies_on_failure_webhook,
    test_cron_with_seconds_fires_until_max_runs,
    test_exhausted_retries_fail_the_run,
    test_manual_trigger_of_a_paused_job_fires,
    test_overlap_queue_runs_one_at_a_time,
    test_overlap_skip_records_skipped_runs,
    test_retries_keep_the_webhook_id_and_honour_retry_after,
    test_task_fires_signed_and_is_recorded,
)
from engine.test_schedules_and_leases import (
    test_queue_callback_publishes_to_the_project_queue,
    test_queue_callback_to_a_missing_queue_fails_the_run,
    test_retention_prunes_old_finished_runs,
    test_url_schedule_fires_once_and_completes,
    test_workflow_without_url_fails_with_a_clear_error,
)

from infrai_mcp.config import Settings
from infrai_mcp.engine.engine import Engine
from infrai_mcp.engine.pg_store import PostgresStore
from tests.receiver import Receiver

pytestmark = pytest.mark.anyio
__all__ = [
    "test_4xx_fails_at_once_and_notifies_on_failure_webhook",
    "test_cron_with_seconds_fires_until_max_runs",
    "test_exhausted_retries_fail_the_run",
    "test_manual_trigger_of_a_paused_job_fires",
    "test_overlap_queue_runs_one_at_a_time",
    "test_overlap_skip_records_skipped_runs",
    "test_queue_callback_publishes_to_the_project_queue",
    "test_queue_callback_to_a_missing_queue_fails_the_run",
    "test_retention_prunes_old_finished_runs",
    "test_retries_keep_the_webhook_id_and_honour_retry_after",
    "test_task_fires_signed_and_is_recorded",
    "test_url_schedule_fires_once_and_completes",
    "test_workflow_without_url_fails_with_a_clear_error",
]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


@pytest.fixture
async def engine(tmp_path: Path, pg_url: str) -> AsyncIterator[Engine]:
    # As tests/engine/conftest.py's make_engine, on PostgreSQL.
    eng = Engine(Settings(home=tmp_path), store=PostgresStore(pg_url, pool_size=4), lease_seconds=3.0)
    eng.dispatcher.backoff_base = 0.05
    async with eng:
        yield eng
