"""SQLite implementation of JobStore (queries in sql/sqlite/queries/jobs.sql).

Each public method is one transaction on the SqliteDB writer or reader thread. Dynamic
SQL appears only where columns vary (updates and list filters) and then only with
column names from the ``_UPDATABLE``/``_FILTERABLE`` allow-lists; values are always bound.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from infrai_mcp.engine.sqlite_db import SqliteDB
from infrai_mcp.engine.store_jobs import Claimed, JobStore, Outcome, Planner, Row, too_many_jobs
from infrai_mcp.ids import new_id

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
# The job columns a FirePlan may change (the planner's contract, see store_jobs.Planner).
_ADVANCED = ("next_run_at", "run_count", "status", "last_run_at", "last_run_id")
_RUN_COLUMNS = ("id", "project", "job_id", "job_kind", "trigger", "state", "scheduled_for",
                "next_attempt_at", "finished_at", "error", "webhook_id", "created_at")


def _row(r: sqlite3.Row | None) -> Row | None:
    return dict(r) if r is not None else None


class SqliteJobStore(JobStore):
    db: SqliteDB
    # (writer transaction, data_version, project, live jobs) after the last insert: see insert_job.
    _live_count: tuple[int, int, str, int] | None = None

    def _q(self, name: str) -> str:
        return self.db.queries[name]

    # -- jobs ---------------------------------------------------------------------------
    async def insert_job(self, row: Row) -> tuple[Row, bool]:
        q_find, q_insert, q_get = self._q("job_by_idempotency"), self._q("job_insert"), self._q("job_by_id")
        q_count = self._q("jobs_live_count")

        def tx(conn: sqlite3.Connection) -> tuple[Row, bool]:
            if row.get("idempotency_key"):
                found = conn.execute(
                    q_find, {"project": row["project"], "kind": row["kind"], "key": row["idempotency_key"]}
                ).fetchone()
                if found is not None:
                    return dict(found), False
            limit = self.max_jobs_per_project
            count = 0
            if limit is not None:
                # Counting is O(live jobs); a run of inserts into one project (a bulk create)
                # carries the count forward while no other transaction came in between.
                cached = self._live_count
                if cached is not None and cached[2] == row["project"] and self.db.unchanged_since(
                        cached[0], conn, cached[1]):
                    count = cached[3]
                else:
                    count = conn.execute(q_count, {"project": row["project"]}).fetchone()[0]
                if count >= limit:
                    raise too_many_jobs(row["project"], count, limit)
            conn.execute(q_insert, {"result_url": None, "events_url": None, **row})  # 0004 columns, optional
            if limit is not None:
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                self._live_count = (self.db.write_seq, version, row["project"], count + 1)
            return dict(conn.execute(q_get, {"id": row["id"]}).fetchone()), True

        return await self.db.write(tx)

    async def get_job(self, project: str, kind: str, job_id: str) -> Row | None:
        q = self._q("job_get")
        return await self.db.read(
            lambda c: _row(c.execute(q, {"project": project, "id": job_id, "kind": kind}).fetchone())
        )

    async def list_jobs(
        self, project: str, kind: str, *, cursor: str | None, limit: int, filters: Row | None = None
    ) -> list[Row]:
        where = ["project = ?", "kind = ?", "deleted_at IS NULL"]
        args: list[Any] = [project, kind]
        for col, val in (filters or {}).items():
            if col not in _JOB_FILTERS:
                raise ValueError(f"cannot filter jobs by {col!r}")
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        if cursor:
            where.append("id > ?")
            args.append(cursor)
        sql = f"SELECT * FROM jobs WHERE {' AND '.join(where)} ORDER BY id LIMIT ?"
        args.append(limit)
        return await self.db.read(lambda c: [dict(r) for r in c.execute(sql, args)])

    async def update_job(
        self, project: str, kind: str, job_id: str, changes: Row, *, cancel_waiting: bool = False
    ) -> Row | None:
        bad = set(changes) - _UPDATABLE
        if bad:
            raise ValueError(f"cannot update job columns {sorted(bad)}")
        q_get, q_cancel = self._q("job_get"), self._q("runs_cancel_waiting")
        sets = ", ".join(f"{col} = :{col}" for col in changes)
        sql = f"UPDATE jobs SET {sets} WHERE project = :_p AND id = :_id AND kind = :_k AND deleted_at IS NULL"

        def tx(conn: sqlite3.Connection) -> Row | None:
            if changes:
                cur = conn.execute(sql, {**changes, "_p": project, "_id": job_id, "_k": kind})
                if cur.rowcount == 0:
                    return None
            if cancel_waiting:
                conn.execute(
                    q_cancel,
                    {"project": project, "job_id": job_id, "now": changes.get("updated_at"),
                     "reason": "cancelled: the job was paused or changed"},
                )
            return _row(conn.execute(q_get, {"project": project, "id": job_id, "kind": kind}).fetchone())

        return await self.db.write(tx)

    async def delete_job(self, project: str, kind: str, job_id: str, now: float) -> bool:
        q_any, q_del, q_cancel = self._q("job_get_any"), self._q("job_delete"), self._q("runs_cancel_waiting")

        def tx(conn: sqlite3.Connection) -> bool:
            if conn.execute(q_any, {"project": project, "id": job_id, "kind": kind}).fetchone() is None:
                return False
            conn.execute(q_del, {"project": project, "id": job_id, "kind": kind, "now": now})
            conn.execute(q_cancel, {"project": project, "job_id": job_id, "now": now,
                                    "reason": "cancelled: the job was deleted"})
            return True

        return await self.db.write(tx)

    async def cancel_task(self, project: str, task_id: str, now: float) -> Row | None:
        q_cancel, q_runs, q_get = self._q("task_cancel"), self._q("runs_cancel_waiting"), self._q("job_get")

        def tx(conn: sqlite3.Connection) -> Row | None:
            if conn.execute(q_cancel, {"project": project, "id": task_id, "now": now}).rowcount:
                conn.execute(q_runs, {"project": project, "job_id": task_id, "now": now,
                                      "reason": "cancelled by task_cancel"})
            return _row(conn.execute(q_get, {"project": project, "id": task_id, "kind": "task"}).fetchone())

        return await self.db.write(tx)

    # -- runs ---------------------------------------------------------------------------
    async def insert_run(self, row: Row) -> Row:
        q_ins, q_get = self._q("run_insert"), self._q("run_get")
        values = {k: row.get(k) for k in _RUN_COLUMNS}

        def tx(conn: sqlite3.Connection) -> Row:
            conn.execute(q_ins, values)
            return dict(conn.execute(q_get, {"project": row["project"], "id": row["id"]}).fetchone())

        return await self.db.write(tx)

    async def get_run(self, project: str, run_id: str) -> Row | None:
        q = self._q("run_get")
        return await self.db.read(lambda c: _row(c.execute(q, {"project": project, "id": run_id}).fetchone()))

    async def list_runs(
        self, project: str, *, cursor: str | None, limit: int, filters: Row | None = None
    ) -> list[Row]:
        where = ["project = ?"]
        args: list[Any] = [project]
        for col, val in (filters or {}).items():
            if col not in _RUN_FILTERS:
                raise ValueError(f"cannot filter runs by {col!r}")
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        if cursor:
            where.append("id < ?")
            args.append(cursor)
        sql = f"SELECT * FROM runs WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
        args.append(limit)
        return await self.db.read(lambda c: [dict(r) for r in c.execute(sql, args)])

    async def list_attempts(self, project: str, run_id: str) -> list[Row]:
        q = self._q("attempts_of_run")
        return await self.db.read(lambda c: [dict(r) for r in c.execute(q, {"project": project, "run_id": run_id})])

    # -- scheduler ----------------------------------------------------------------------
    async def claim_runs(
        self, now: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> list[Claimed]:
        return await self.claim_runs_ahead(now, now, owner, lease_until, limit, planner)

    async def claim_runs_ahead(
        self, now: float, horizon: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> list[Claimed]:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> list[Claimed]:
            new_runs: list[Row] = []
            advances: list[Row] = []
            for job in conn.execute(q["due_jobs"], {"horizon": horizon, "limit": max(limit, 100)}).fetchall():
                job_row = dict(job)
                unfinished = 0
                if job_row["overlap_policy"] != "allow":
                    unfinished = conn.execute(q["unfinished_runs_of_job"], {"job_id": job_row["id"]}).fetchone()[0]
                plan = planner(job_row, now, unfinished)
                last_id = job_row["last_run_id"]
                for planned in plan.runs:
                    last_id = new_id("run")
                    waiting = planned.state == "pending"
                    new_runs.append({
                        "id": last_id, "project": job_row["project"], "job_id": job_row["id"],
                        "job_kind": job_row["kind"], "trigger": planned.trigger, "state": planned.state,
                        "scheduled_for": planned.scheduled_for,
                        "next_attempt_at": planned.scheduled_for if waiting else None,
                        "finished_at": None if waiting else now, "error": planned.error,
                        "webhook_id": "msg_" + last_id.removeprefix("run_"), "created_at": now,
                    })
                advance = {col: job_row[col] for col in _ADVANCED}
                advance.update(plan.changes)
                advance["id"], advance["last_run_id"] = job_row["id"], last_id
                advances.append(advance)
            if new_runs:
                conn.execute(q["runs_insert_many"], {"rows": json.dumps(new_runs)})
            if advances:
                conn.execute(q["jobs_advance_many"], {"rows": json.dumps(advances)})
            due: dict[str, float] = {}
            for r in conn.execute(q["claimable_expired"], {"now": now, "limit": limit}):
                due[r[0]] = r[1]
            if len(due) < limit:
                args = {"horizon": horizon, "limit": limit - len(due)}
                for r in conn.execute(q["claimable_waiting"], args):
                    due[r[0]] = r[1]
            if not due:
                return []
            ids = json.dumps(list(due))
            runs = [dict(r) for r in conn.execute(q["runs_claim_many"], {"ids": ids, "owner": owner,
                                                                         "until": lease_until})]
            job_ids = json.dumps(sorted({r["job_id"] for r in runs}))
            jobs = {j["id"]: dict(j) for j in conn.execute(q["jobs_by_ids"], {"ids": job_ids})}
            conn.execute(q["tasks_mark_running"], {"ids": job_ids, "now": now})
            claimed = [Claimed(run=r, job=jobs[r["job_id"]], due=max(now, due[r["id"]])) for r in runs]
            claimed.sort(key=lambda c: c.due)
            return claimed

        return await self.db.write(tx)

    async def finish_runs(self, owner: str, outcomes: list[Outcome]) -> list[str]:
        q = self.db.queries
        rows = json.dumps([vars(o) for o in outcomes])  # vars, not asdict: no deep copies

        def tx(conn: sqlite3.Connection) -> list[str]:
            applied = [dict(r) for r in conn.execute(q["runs_finish_many"], {"rows": rows, "owner": owner})]
            if not applied:
                return []  # every lease was lost: another process owns these runs now
            ids = [r["id"] for r in applied]
            conn.execute(q["attempts_insert_many"], {"rows": rows, "applied": json.dumps(ids)})
            done_tasks = [{"job_id": r["job_id"], "state": r["state"]} for r in applied
                          if r["job_kind"] == "task" and r["state"] in ("succeeded", "failed")]
            if done_tasks:
                conn.execute(q["tasks_finish_many"], {"rows": json.dumps(done_tasks), "now": outcomes[-1].finished_at})
            return ids

        return await self.db.write(tx)

    async def renew_run_leases(self, owner: str, until: float) -> None:
        q = self._q("leases_renew")
        await self.db.write(lambda c: c.execute(q, {"owner": owner, "until": until}))

    async def release_runs(self, owner: str, run_ids: list[str], now: float) -> None:
        q = self._q("run_release")

        def tx(conn: sqlite3.Connection) -> None:
            for run_id in run_ids:
                conn.execute(q, {"id": run_id, "owner": owner, "now": now})

        await self.db.write(tx)

    async def cancel_claimed(self, owner: str, run_ids: list[str], now: float, reason: str) -> None:
        q_runs, q_tasks = self._q("runs_cancel_claimed"), self._q("tasks_unclaim")

        def tx(conn: sqlite3.Connection) -> None:
            args = {"ids": json.dumps(run_ids), "owner": owner, "now": now, "reason": reason}
            jobs = [r[0] for r in conn.execute(q_runs, args)]
            if jobs:
                conn.execute(q_tasks, {"ids": json.dumps(jobs)})

        await self.db.write(tx)

    async def next_due_at(self, owner: str) -> float | None:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> float | None:
            values = [
                conn.execute(q["next_due_job"]).fetchone()[0],
                conn.execute(q["next_due_waiting"]).fetchone()[0],
                conn.execute(q["next_due_lease"], {"owner": owner}).fetchone()[0],
            ]
            present = [v for v in values if v is not None]
            return min(present) if present else None

        return await self.db.read(tx)

    async def take_lease(self, name: str, owner: str, now: float, until: float) -> bool:
        q_take, q_get = self._q("lease_take"), self._q("lease_get")

        def tx(conn: sqlite3.Connection) -> bool:
            conn.execute(q_take, {"name": name, "owner": owner, "now": now, "until": until})
            row = conn.execute(q_get, {"name": name}).fetchone()
            return row is not None and row["owner"] == owner

        return await self.db.write(tx)

    async def release_lease(self, name: str, owner: str) -> None:
        q = self._q("lease_release")
        await self.db.write(lambda c: c.execute(q, {"name": name, "owner": owner}))

    async def prune_runs(self, now: float, limit: int = 5000) -> int:
        q_runs, q_att = self._q("prune_runs"), self._q("prune_attempts")

        def tx(conn: sqlite3.Connection) -> int:
            n = conn.execute(q_runs, {"now": now, "limit": limit}).rowcount
            if n:
                conn.execute(q_att)
            return int(n)

        return await self.db.write(tx)
