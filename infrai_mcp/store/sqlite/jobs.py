"""SQLite implementation of JobStore (queries in sql/sqlite/queries/jobs.sql).

Each public method is one transaction on the SqliteDB writer or reader thread. Dynamic
SQL appears only where columns vary (updates and list filters) and then only with
column names from the allow-lists in store/jobs.py; values are always bound.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from infrai_mcp.core.ids import new_id
from infrai_mcp.core.planning import Planner, settle_plans
from infrai_mcp.store.jobs import (
    JOB_FILTERS,
    RUN_COLUMNS,
    RUN_FILTERS,
    Claim,
    Claimed,
    Due,
    JobStore,
    Outcome,
    PlanRef,
    Row,
    check_job_changes,
    too_many_jobs,
)
from infrai_mcp.store.sqlite.db import SqliteDB

# Columns a job row may leave out (added by later migrations; the SQL applies their defaults).
_INSERT_DEFAULTS: Row = {"result_url": None, "events_url": None, "plan_at": None, "schedule_kind": None,
                         "schedule_start": None, "exclusions": None, "jitter_seconds": None}


def _row(r: sqlite3.Row | None) -> Row | None:
    return dict(r) if r is not None else None


class SqliteJobStore(JobStore):
    db: SqliteDB
    # (writer transaction, data_version, project, live jobs) after the last insert: see insert_job.
    _live_count: tuple[int, int, str, int] | None = None

    def _q(self, name: str) -> str:
        return self.db.queries[name]

    # -- jobs ---------------------------------------------------------------------------
    async def insert_jobs(self, project: str, rows: list[Row]) -> list[tuple[Row, bool]]:
        q_find, q_insert, q_count = self._q("job_by_idempotency"), self._q("job_insert"), self._q("jobs_live_count")
        limit = self.max_jobs_per_project

        def tx(conn: sqlite3.Connection) -> list[tuple[Row, bool]]:
            # Per row: a found job (idempotent replay), or the index of the earlier row of this
            # call that carries the same key, or None (a new job).
            found: list[Row | int | None] = []
            keys: dict[tuple[str, str], int] = {}
            for i, row in enumerate(rows):
                key = row.get("idempotency_key")
                hit: Row | int | None = None
                if key:
                    earlier = conn.execute(q_find, {"project": project, "kind": row["kind"], "key": key}).fetchone()
                    hit = dict(earlier) if earlier is not None else keys.setdefault((row["kind"], key), i)
                    hit = None if hit == i else hit
                found.append(hit)
            new = [row for row, hit in zip(rows, found, strict=True) if hit is None]
            count = 0
            if limit is not None and new:
                # Counting is O(live jobs); a run of inserts into one project (a bulk create)
                # carries the count forward while no other transaction came in between.
                cached = self._live_count
                if cached is not None and cached[2] == project and self.db.unchanged_since(cached[0], conn, cached[1]):
                    count = cached[3]
                else:
                    count = conn.execute(q_count, {"project": project}).fetchone()[0]
                if count + len(new) > limit:
                    raise too_many_jobs(project, count, limit, len(new))
            # result_url/events_url (0004) are optional in a row.
            conn.executemany(q_insert, [{**_INSERT_DEFAULTS, **row} for row in new])
            if limit is not None and new:
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                self._live_count = (self.db.write_seq, version, project, count + len(new))
            stored: dict[str, Row] = {}
            ids = [row["id"] for row in new]
            for at in range(0, len(ids), 500):
                chunk = ids[at:at + 500]
                sql = f"SELECT * FROM jobs WHERE id IN ({', '.join('?' * len(chunk))})"
                stored.update((r["id"], dict(r)) for r in conn.execute(sql, chunk))
            out: list[tuple[Row, bool]] = []
            for row, hit in zip(rows, found, strict=True):
                if hit is None:
                    out.append((stored[row["id"]], True))
                elif isinstance(hit, int):
                    out.append((out[hit][0], False))
                else:
                    out.append((hit, False))
            return out

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
            if col not in JOB_FILTERS:
                raise ValueError(f"cannot filter jobs by {col!r}")
            if val is None:
                continue
            if col == "name":  # a part of the name, any case
                where.append("instr(lower(name), lower(?)) > 0")
            else:
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
        check_job_changes(changes)
        q_get, q_cancel, q_withdraw = self._q("job_get"), self._q("runs_cancel_waiting"), self._q("plans_withdraw")
        # Every change withdraws the job's plans and plans again from the (new) next_run_at.
        # The service may set plan_at before next_run_at: the first time is one its exclusions skip.
        sets = [f"{col} = :{col}" for col in changes if col != "plan_at"]
        cursor = ":plan_at" if "plan_at" in changes else ":next_run_at" if "next_run_at" in changes else "next_run_at"
        sets += [f"plan_at = {cursor}", "planned_runs = 0"]
        where = "project = :_p AND id = :_id AND kind = :_k AND deleted_at IS NULL"
        sql = f"UPDATE jobs SET {', '.join(sets)} WHERE {where}"

        def tx(conn: sqlite3.Connection) -> Row | None:
            cur = conn.execute(sql, {**changes, "_p": project, "_id": job_id, "_k": kind})
            if cur.rowcount == 0:
                return None
            conn.execute(q_withdraw, {"job_id": job_id})
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
        q_withdraw = self._q("plans_withdraw")

        def tx(conn: sqlite3.Connection) -> bool:
            if conn.execute(q_any, {"project": project, "id": job_id, "kind": kind}).fetchone() is None:
                return False
            if conn.execute(q_del, {"project": project, "id": job_id, "kind": kind, "now": now}).rowcount:
                conn.execute(q_withdraw, {"job_id": job_id})
            conn.execute(q_cancel, {"project": project, "job_id": job_id, "now": now,
                                    "reason": "cancelled: the job was deleted"})
            return True

        return await self.db.write(tx)

    async def cancel_task(self, project: str, task_id: str, now: float) -> Row | None:
        q_cancel, q_runs, q_get = self._q("task_cancel"), self._q("runs_cancel_waiting"), self._q("job_get")
        q_withdraw = self._q("plans_withdraw")

        def tx(conn: sqlite3.Connection) -> Row | None:
            if conn.execute(q_cancel, {"project": project, "id": task_id, "now": now}).rowcount:
                conn.execute(q_withdraw, {"job_id": task_id})
                conn.execute(q_runs, {"project": project, "job_id": task_id, "now": now,
                                      "reason": "cancelled by task_cancel"})
            return _row(conn.execute(q_get, {"project": project, "id": task_id, "kind": "task"}).fetchone())

        return await self.db.write(tx)

    # -- runs ---------------------------------------------------------------------------
    async def insert_run(self, row: Row) -> Row:
        q_ins, q_get = self._q("run_insert"), self._q("run_get")
        values = {k: row.get(k) for k in RUN_COLUMNS}

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
            if col not in RUN_FILTERS:
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
    async def claim_due(
        self, now: float, horizon: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> Claim:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> Claim:
            taken = conn.execute(q["plans_reclaim"], {"now": now, "owner": owner, "until": lease_until,
                                                      "limit": limit}).fetchall()
            plans: list[Row] = []
            advances: list[Row] = []
            for job in conn.execute(q["due_jobs"], {"horizon": horizon, "limit": max(limit, 100)}).fetchall():
                job_row = dict(job)
                plan = planner(job_row, now, horizon)
                for fire in plan.fires:
                    plans.append({"id": new_id("run"), "project": job_row["project"], "job_id": job_row["id"],
                                  "job_kind": job_row["kind"], "trigger": fire.trigger,
                                  "scheduled_for": fire.scheduled_for, "skip_reason": fire.skip})
                advances.append({**plan.changes, "id": job_row["id"]})
            if plans:
                conn.execute(q["plans_insert_many"], {"rows": json.dumps(plans), "owner": owner, "until": lease_until,
                                                      "now": now})
            if advances:
                conn.execute(q["jobs_plan_many"], {"rows": json.dumps(advances)})
            refs = [PlanRef(r[0], r[1], r[2]) for r in taken]
            refs += [PlanRef(p["id"], p["job_id"], p["scheduled_for"]) for p in plans]
            claim = Claim(plans=sorted(refs, key=lambda p: p.due))
            due: dict[str, float] = {}
            for r in conn.execute(q["claimable_expired"], {"now": now, "limit": limit}):
                due[r[0]] = r[1]
            if len(due) < limit:
                for r in conn.execute(q["claimable_waiting"], {"now": now, "limit": limit - len(due)}):
                    due[r[0]] = r[1]
            if not due:
                return claim
            ids = json.dumps(list(due))
            runs = [dict(r) for r in conn.execute(q["runs_claim_many"], {"ids": ids, "owner": owner,
                                                                         "until": lease_until})]
            job_ids = json.dumps(sorted({r["job_id"] for r in runs}))
            jobs = {j["id"]: dict(j) for j in conn.execute(q["jobs_by_ids"], {"ids": job_ids})}
            conn.execute(q["tasks_mark_running"], {"ids": job_ids, "now": now})
            claim.runs = [Claimed(run=r, job=jobs[r["job_id"]], due=now) for r in runs]
            return claim

        return await self.db.write(tx)

    async def confirm_plans(
        self, owner: str, plan_ids: list[str], now: float, lease_until: float, misfire_grace: float
    ) -> list[Claimed]:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> list[Claimed]:
            taken = [dict(r) for r in conn.execute(q["plans_take"], {"ids": json.dumps(plan_ids), "owner": owner})]
            if not taken:
                return []
            ids = json.dumps(sorted({plan["job_id"] for plan in taken}))
            jobs = {j["id"]: dict(j) for j in conn.execute(q["jobs_full_by_ids"], {"ids": ids})}
            unfinished = {r[0]: r[1] for r in conn.execute(q["unfinished_runs_of_jobs"], {"ids": ids})}
            later = {r[0]: (r[1], r[2]) for r in conn.execute(q["plans_span_of_jobs"], {"ids": ids})}
            done = settle_plans(taken, jobs, unfinished=unfinished, later=later, now=now, owner=owner,
                                lease_until=lease_until, misfire_grace=misfire_grace)
            if done.runs:
                conn.execute(q["runs_insert_many"], {"rows": json.dumps(done.runs)})
            if done.changes:
                conn.execute(q["jobs_settle_many"], {"rows": json.dumps(done.changes)})
            return [Claimed(run=r, job=job, due=r["scheduled_for"]) for r, job in done.send]

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
        q_runs, q_plans = self._q("leases_renew"), self._q("plan_leases_renew")

        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(q_runs, {"owner": owner, "until": until})
            conn.execute(q_plans, {"owner": owner, "until": until})

        await self.db.write(tx)

    async def release_runs(self, owner: str, run_ids: list[str], now: float) -> None:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(q["plans_release"], {"owner": owner})
            for run_id in run_ids:
                conn.execute(q["run_release"], {"id": run_id, "owner": owner, "now": now})

        await self.db.write(tx)

    async def next_due_at(self, owner: str) -> Due:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> Due:
            return Due(plan=conn.execute(q["next_due_plan"], {"owner": owner}).fetchone()[0],
                       run=conn.execute(q["next_due_run"], {"owner": owner}).fetchone()[0])

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
