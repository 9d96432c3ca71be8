"""PostgreSQL implementation of JobStore (queries in sql/postgres/queries/jobs.sql).

Same contract and row shapes as SqliteJobStore; what differs is how many processes may
call ``claim`` at once. Here any number may: due jobs and claimable runs are selected
``FOR UPDATE SKIP LOCKED``, so two workers never materialise the same fire nor lease the
same run, and neither waits for the other. Batches go as arrays (``unnest``): a claim of
500 runs is ~6 round trips, a finish of 500 outcomes 3.

Writes that make work due sooner NOTIFY ``infrai_due`` (delivered at commit) so that
other processes' schedulers can wake at once instead of at their next poll.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from psycopg import sql

from infrai_mcp.engine.pg_db import Conn, PgDB
from infrai_mcp.engine.store_jobs import Claimed, JobStore, Outcome, Planner, Row, too_many_jobs
from infrai_mcp.ids import new_id

DUE_CHANNEL = "infrai_due"
# Leases that every worker holds for itself: with SKIP LOCKED claims, dispatch needs no
# single leader (see docs/SCALE_OUT.md). Other lease names keep one-holder semantics.
PER_WORKER_LEASES = frozenset({"dispatch"})

_UPDATABLE = frozenset(
    {
        "name", "schedule_type", "schedule", "timezone", "run_at", "delay_seconds", "callback_type",
        "callback_id", "url", "method", "headers", "payload", "retries", "timeout_seconds", "secret",
        "on_failure_webhook", "overlap_policy", "misfire_policy", "max_runs", "run_count", "status",
        "retention_days", "next_run_at", "last_run_at", "last_run_id", "updated_at", "result_url", "events_url",
    }
)
_JOB_FILTERS = frozenset({"agent_id", "status", "schedule_type"})
_RUN_FILTERS = frozenset({"job_id", "state", "job_kind"})
_RUN_COLUMNS = ("id", "project", "job_id", "job_kind", "trigger", "state", "scheduled_for",
                "next_attempt_at", "finished_at", "error", "webhook_id", "created_at")
_JOB_INSERT_COLUMNS = ("id", "project", "kind", "agent_id", "name", "schedule_type", "schedule", "timezone",
                       "run_at", "delay_seconds", "callback_type", "callback_id", "url", "method", "headers",
                       "payload", "retries", "timeout_seconds", "secret", "on_failure_webhook", "overlap_policy",
                       "misfire_policy", "max_runs", "status", "retention_days", "idempotency_key",
                       "next_run_at", "created_at", "updated_at", "result_url", "events_url")


async def _one(conn: Conn, query: str, params: Row | None = None) -> Row | None:
    cur = await conn.execute(query, params)
    row = await cur.fetchone()
    return dict(row) if row is not None else None


async def _all(conn: Conn, query: str | sql.Composed, params: Any = None) -> list[Row]:
    cur = await conn.execute(query, params)
    return [dict(r) for r in await cur.fetchall()]


async def _notify_due(conn: Conn) -> None:
    await conn.execute("SELECT pg_notify(%s, '')", (DUE_CHANNEL,))


def _columns(rows: list[Row], names: tuple[str, ...] | list[str]) -> Row:
    """Row dicts → one list per column (the arrays that ``unnest`` turns back into rows)."""
    return {name: [r.get(name) for r in rows] for name in names}


class PgJobStore(JobStore):
    db: PgDB

    def _q(self, name: str) -> str:
        return self.db.queries[name]

    # -- jobs ---------------------------------------------------------------------------
    async def insert_job(self, row: Row) -> tuple[Row, bool]:
        q_insert, q_find = self._q("job_insert"), self._q("job_by_idempotency")
        q_lock, q_count = self._q("jobs_project_lock"), self._q("jobs_live_count")
        values = {k: row.get(k) for k in _JOB_INSERT_COLUMNS}
        values.setdefault("timezone", "UTC")

        limit = self.max_jobs_per_project

        async def tx(conn: Conn) -> tuple[Row, bool]:
            if limit is not None:
                # One project's creates queue on a transaction-scoped advisory lock, so two
                # concurrent creates cannot both pass the count; other projects are not held.
                await conn.execute(q_lock, {"project": row["project"]})
                counted = await _one(conn, q_count, {"project": row["project"]})
                count = int(counted["n"]) if counted else 0
                if count >= limit:
                    found = None
                    if row.get("idempotency_key"):
                        found = await _one(conn, q_find, {"project": row["project"], "kind": row["kind"],
                                                          "key": row["idempotency_key"]})
                    if found is None:
                        raise too_many_jobs(row["project"], count, limit)
                    return found, False
            # ON CONFLICT DO NOTHING: two processes inserting one idempotency key at once
            # both end up with the one row, instead of one of them failing.
            inserted = await _one(conn, q_insert, values)
            if inserted is None:
                found = await _one(conn, q_find, {"project": row["project"], "kind": row["kind"],
                                                  "key": row["idempotency_key"]})
                assert found is not None
                return found, False
            if inserted.get("next_run_at") is not None:
                await _notify_due(conn)
            return inserted, True

        return await self.db.write(tx)

    async def get_job(self, project: str, kind: str, job_id: str) -> Row | None:
        q = self._q("job_get")
        return await self.db.read(lambda c: _one(c, q, {"project": project, "id": job_id, "kind": kind}))

    async def list_jobs(
        self, project: str, kind: str, *, cursor: str | None, limit: int, filters: Row | None = None
    ) -> list[Row]:
        where: list[sql.Composable] = [sql.SQL("project = %s"), sql.SQL("kind = %s"), sql.SQL("deleted_at IS NULL")]
        args: list[Any] = [project, kind]
        for col, val in (filters or {}).items():
            if col not in _JOB_FILTERS:
                raise ValueError(f"cannot filter jobs by {col!r}")
            if val is not None:
                where.append(sql.SQL("{} = %s").format(sql.Identifier(col)))
                args.append(val)
        if cursor:
            where.append(sql.SQL("id > %s"))
            args.append(cursor)
        query = sql.SQL("SELECT * FROM jobs WHERE {} ORDER BY id LIMIT %s").format(sql.SQL(" AND ").join(where))
        args.append(limit)
        return await self.db.read(lambda c: _all(c, query, args))

    async def update_job(
        self, project: str, kind: str, job_id: str, changes: Row, *, cancel_waiting: bool = False
    ) -> Row | None:
        bad = set(changes) - _UPDATABLE
        if bad:
            raise ValueError(f"cannot update job columns {sorted(bad)}")
        q_get, q_cancel = self._q("job_get"), self._q("runs_cancel_waiting")
        sets = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in changes
        )
        query = sql.SQL(
            "UPDATE jobs SET {} WHERE project = %(_p)s AND id = %(_id)s AND kind = %(_k)s AND deleted_at IS NULL"
        ).format(sets)

        async def tx(conn: Conn) -> Row | None:
            if changes:
                cur = await conn.execute(query, {**changes, "_p": project, "_id": job_id, "_k": kind})
                if cur.rowcount == 0:
                    return None
                if changes.get("next_run_at") is not None:
                    await _notify_due(conn)
            if cancel_waiting:
                await conn.execute(q_cancel, {
                    "project": project, "job_id": job_id, "now": changes.get("updated_at"),
                    "reason": "cancelled: the job was paused or changed"})
            return await _one(conn, q_get, {"project": project, "id": job_id, "kind": kind})

        return await self.db.write(tx)

    async def delete_job(self, project: str, kind: str, job_id: str, now: float) -> bool:
        q_any, q_del, q_cancel = self._q("job_get_any"), self._q("job_delete"), self._q("runs_cancel_waiting")

        async def tx(conn: Conn) -> bool:
            if await _one(conn, q_any, {"project": project, "id": job_id, "kind": kind}) is None:
                return False
            await conn.execute(q_del, {"project": project, "id": job_id, "kind": kind, "now": now})
            await conn.execute(q_cancel, {"project": project, "job_id": job_id, "now": now,
                                          "reason": "cancelled: the job was deleted"})
            return True

        return await self.db.write(tx)

    async def cancel_task(self, project: str, task_id: str, now: float) -> Row | None:
        q_cancel, q_runs, q_get = self._q("task_cancel"), self._q("runs_cancel_waiting"), self._q("job_get")

        async def tx(conn: Conn) -> Row | None:
            cur = await conn.execute(q_cancel, {"project": project, "id": task_id, "now": now})
            if cur.rowcount:
                await conn.execute(q_runs, {"project": project, "job_id": task_id, "now": now,
                                            "reason": "cancelled by task_cancel"})
            return await _one(conn, q_get, {"project": project, "id": task_id, "kind": "task"})

        return await self.db.write(tx)

    # -- runs ---------------------------------------------------------------------------
    async def insert_run(self, row: Row) -> Row:
        q = self._q("run_insert")
        values = {k: row.get(k) for k in _RUN_COLUMNS}

        async def tx(conn: Conn) -> Row:
            inserted = await _one(conn, q, values)
            assert inserted is not None
            if inserted.get("next_attempt_at") is not None:
                await _notify_due(conn)
            return inserted

        return await self.db.write(tx)

    async def get_run(self, project: str, run_id: str) -> Row | None:
        q = self._q("run_get")
        return await self.db.read(lambda c: _one(c, q, {"project": project, "id": run_id}))

    async def list_runs(
        self, project: str, *, cursor: str | None, limit: int, filters: Row | None = None
    ) -> list[Row]:
        where: list[sql.Composable] = [sql.SQL("project = %s")]
        args: list[Any] = [project]
        for col, val in (filters or {}).items():
            if col not in _RUN_FILTERS:
                raise ValueError(f"cannot filter runs by {col!r}")
            if val is not None:
                where.append(sql.SQL("{} = %s").format(sql.Identifier(col)))
                args.append(val)
        if cursor:
            where.append(sql.SQL("id < %s"))
            args.append(cursor)
        query = sql.SQL("SELECT * FROM runs WHERE {} ORDER BY id DESC LIMIT %s").format(sql.SQL(" AND ").join(where))
        args.append(limit)
        return await self.db.read(lambda c: _all(c, query, args))

    async def list_attempts(self, project: str, run_id: str) -> list[Row]:
        q = self._q("attempts_of_run")
        return await self.db.read(lambda c: _all(c, q, {"project": project, "run_id": run_id}))

    # -- scheduler ----------------------------------------------------------------------
    async def claim_runs(
        self, now: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> list[Claimed]:
        return await self.claim_runs_ahead(now, now, owner, lease_until, limit, planner)

    async def claim_runs_ahead(
        self, now: float, horizon: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> list[Claimed]:
        q = self.db.queries

        async def tx(conn: Conn) -> list[Claimed]:
            await self._materialise(conn, now, horizon, max(limit, 100), planner)
            params = {"now": now, "horizon": horizon, "owner": owner, "until": lease_until, "limit": limit}
            runs = await _all(conn, q["claim_expired"], params)
            if len(runs) < limit:
                runs += await _all(conn, q["claim_waiting"], {**params, "limit": limit - len(runs)})
            if not runs:
                return []
            job_ids = sorted({r["job_id"] for r in runs})
            jobs = {j["id"]: j for j in await _all(conn, q["jobs_by_ids"], {"ids": job_ids})}
            task_ids = [i for i in job_ids if jobs[i]["kind"] == "task"]
            if task_ids:
                await conn.execute(q["tasks_mark_running"], {"ids": task_ids, "now": now})
            claimed = []
            for r in runs:
                due = float(r.pop("due"))
                claimed.append(Claimed(run=r, job=jobs[r["job_id"]], due=max(now, due)))
            claimed.sort(key=lambda c: c.due)
            return claimed

        return await self.db.write(tx)

    async def _materialise(self, conn: Conn, now: float, horizon: float, limit: int, planner: Planner) -> None:
        """Turn jobs due by ``horizon`` (locked, SKIP LOCKED) into runs and advance them."""
        q = self.db.queries
        due = await _all(conn, q["due_jobs"], {"horizon": horizon, "limit": limit})
        if not due:
            return
        counted = [j["id"] for j in due if j["overlap_policy"] != "allow"]
        unfinished: dict[str, int] = {}
        if counted:
            for r in await _all(conn, q["unfinished_runs_of_jobs"], {"job_ids": counted}):
                unfinished[r["job_id"]] = int(r["n"])
        new_runs: list[Row] = []
        updates: dict[tuple[str, ...], list[Row]] = defaultdict(list)
        for job in due:
            plan = planner(job, now, unfinished.get(job["id"], 0))
            last_id = None
            for planned in plan.runs:
                last_id = new_id("run")
                waiting = planned.state == "pending"
                new_runs.append({
                    "id": last_id, "project": job["project"], "job_id": job["id"], "job_kind": job["kind"],
                    "trigger": planned.trigger, "state": planned.state, "scheduled_for": planned.scheduled_for,
                    "next_attempt_at": planned.scheduled_for if waiting else None,
                    "finished_at": None if waiting else now, "error": planned.error,
                    "webhook_id": "msg_" + last_id.removeprefix("run_"), "created_at": now,
                })
            changes = dict(plan.changes)
            if last_id is not None:
                changes.setdefault("last_run_id", last_id)
            bad = set(changes) - _UPDATABLE
            if bad:
                raise ValueError(f"planner changed non-updatable job columns {sorted(bad)}")
            if changes:
                updates[tuple(sorted(changes))].append({**changes, "_id": job["id"]})
        if new_runs:
            await conn.execute(q["runs_insert_many"], _columns(new_runs, _RUN_COLUMNS))
        # Jobs whose changes touch the same columns share one statement (pipelined).
        for cols, rows_ in updates.items():
            sets = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in cols)
            stmt = sql.SQL("UPDATE jobs SET {} WHERE id = %(_id)s").format(sets)
            async with conn.cursor() as cur:
                await cur.executemany(stmt, rows_)

    async def finish_runs(self, owner: str, outcomes: list[Outcome]) -> list[str]:
        if not outcomes:
            return []
        q = self.db.queries
        runs = [{
            "id": o.run_id, "state": o.state, "response_status": o.response_status,
            "response_excerpt": o.response_excerpt, "error": o.error, "duration_ms": o.duration_ms,
            "started_at": o.started_at, "finished_at": o.finished_at if o.state in ("succeeded", "failed") else None,
            "next_attempt_at": o.next_attempt_at,
        } for o in outcomes]

        async def tx(conn: Conn) -> list[str]:
            params = {**_columns(runs, list(runs[0])), "owner": owner}
            done = {r["id"]: r for r in await _all(conn, q["runs_finish"], params)}
            if not done:
                return []  # every lease was lost: other processes own these runs now
            applied = [o for o in outcomes if o.run_id in done]
            await conn.execute(q["attempts_upsert"], {
                "run_id": [o.run_id for o in applied], "attempt": [o.attempt for o in applied],
                "project": [o.project for o in applied], "started_at": [o.started_at for o in applied],
                "finished_at": [o.finished_at for o in applied],
                "response_status": [o.response_status for o in applied],
                "duration_ms": [o.duration_ms for o in applied], "error": [o.error for o in applied],
            })
            tasks = [o for o in applied if o.state in ("succeeded", "failed") and done[o.run_id]["job_kind"] == "task"]
            if tasks:
                await conn.execute(q["tasks_finish"], {
                    "id": [done[o.run_id]["job_id"] for o in tasks], "state": [o.state for o in tasks],
                    "now": [o.finished_at for o in tasks]})
            if any(o.next_attempt_at is not None for o in applied):
                await _notify_due(conn)
            return [o.run_id for o in applied]

        return await self.db.write(tx)

    async def renew_run_leases(self, owner: str, until: float) -> None:
        q = self._q("leases_renew")

        async def tx(conn: Conn) -> None:
            await conn.execute(q, {"owner": owner, "until": until})

        await self.db.write(tx)

    async def release_runs(self, owner: str, run_ids: list[str], now: float) -> None:
        if not run_ids:
            return
        q = self._q("runs_release")

        async def tx(conn: Conn) -> None:
            await conn.execute(q, {"ids": run_ids, "owner": owner, "now": now})
            await _notify_due(conn)

        await self.db.write(tx)

    async def next_due_at(self, owner: str) -> float | None:
        q = self._q("next_due")

        async def tx(conn: Conn) -> float | None:
            row = await _one(conn, q, {"owner": owner})
            return None if row is None or row["due"] is None else float(row["due"])

        return await self.db.read(tx)

    async def take_lease(self, name: str, owner: str, now: float, until: float) -> bool:
        q = self._q("lease_take")
        key = f"{name}:{owner}" if name in PER_WORKER_LEASES else name

        async def tx(conn: Conn) -> bool:
            row = await _one(conn, q, {"name": key, "owner": owner, "now": now, "until": until})
            if name in PER_WORKER_LEASES:
                # Rows of workers that died without releasing: gone a day after expiry.
                await conn.execute(self._q("leases_forget"), {"prefix": f"{name}:%", "before": now - 86400})
            return row is not None and row["owner"] == owner

        return await self.db.write(tx)

    async def release_lease(self, name: str, owner: str) -> None:
        per_worker = name in PER_WORKER_LEASES
        q = self._q("lease_drop" if per_worker else "lease_release")
        key = f"{name}:{owner}" if per_worker else name

        async def tx(conn: Conn) -> None:
            await conn.execute(q, {"name": key, "owner": owner})

        await self.db.write(tx)

    async def prune_runs(self, now: float, limit: int = 5000) -> int:
        q = self._q("prune_runs")

        async def tx(conn: Conn) -> int:
            row = await _one(conn, q, {"now": now, "limit": limit})
            return int(row["n"]) if row else 0

        return await self.db.write(tx)
