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

from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from infrai_mcp.core.ids import new_id
from infrai_mcp.core.planning import Planner, settle_plans
from infrai_mcp.store.jobs import (
    JOB_FILTERS,
    LIVE_JOB_STATUSES,
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
from infrai_mcp.store.postgres.db import Conn, PgDB

DUE_CHANNEL = "infrai_due"
# Leases that every worker holds for itself: with SKIP LOCKED claims, dispatch needs no
# single leader (see docs/SCALE_OUT.md). Other lease names keep one-holder semantics.
PER_WORKER_LEASES = frozenset({"dispatch"})

_SETTLED_RUN_COLUMNS = ("id", "project", "job_id", "job_kind", "trigger", "state", "scheduled_for", "next_attempt_at",
                        "started_at", "finished_at", "error", "attempts", "lease_owner", "lease_expires_at",
                        "webhook_id", "created_at")
_PLAN_COLUMNS = ("id", "project", "job_id", "job_kind", "trigger", "scheduled_for", "skip_reason")
_JOB_INSERT_COLUMNS = ("id", "project", "kind", "agent_id", "name", "schedule_type", "schedule", "timezone",
                       "run_at", "delay_seconds", "callback_type", "callback_id", "url", "method", "headers",
                       "payload", "retries", "timeout_seconds", "secret", "on_failure_webhook", "overlap_policy",
                       "misfire_policy", "max_runs", "status", "retention_days", "idempotency_key",
                       "next_run_at", "created_at", "updated_at", "result_url", "events_url", "plan_at",
                       "schedule_kind", "schedule_start", "exclusions", "jitter_seconds")


async def _one(conn: Conn, query: str | sql.Composed, params: Row | None = None) -> Row | None:
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
    async def insert_jobs(self, project: str, rows: list[Row]) -> list[tuple[Row, bool]]:
        q_lock, q_bound, q_count = self._q("jobs_project_lock"), self._q("jobs_live_bound"), self._q("jobs_live_count")
        q_set, q_add = self._q("jobs_live_bound_set"), self._q("jobs_live_bound_add")
        q_find, q_insert = self._q("jobs_by_idempotency"), self._q("jobs_insert_many")
        limit = self.max_jobs_per_project

        async def find(conn: Conn, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Row]:
            if not pairs:
                return {}
            got = await _all(conn, q_find, {"project": project, "kinds": [k for k, _ in pairs],
                                            "keys": [key for _, key in pairs]})
            return {(r["kind"], r["idempotency_key"]): r for r in got}

        async def tx(conn: Conn) -> list[tuple[Row, bool]]:
            if limit is not None:
                # One project's creates queue on a transaction-scoped advisory lock, so two
                # concurrent creates cannot both pass the check; other projects are not held.
                await conn.execute(q_lock, {"project": project})
            earlier = await find(conn, sorted({(r["kind"], r["idempotency_key"]) for r in rows
                                               if r.get("idempotency_key")}))
            new: list[Row] = []
            keys: set[tuple[str, str]] = set()
            for row in rows:
                key = (row["kind"], row.get("idempotency_key"))
                if key[1] is not None:
                    if key in earlier or key in keys:
                        continue
                    keys.add(key)  # type: ignore[arg-type]
                new.append(row)
            if not new:
                return [(earlier[(r["kind"], r["idempotency_key"])], False) for r in rows]
            if limit is None:
                await conn.execute(q_add, {"project": project, "n": len(new)})
            else:
                # An upper bound of the live jobs (0011) spares the count until it nears the limit.
                got = await _one(conn, q_bound, {"project": project})
                bound = None if got is None else int(got["bound"])
                if bound is None or bound + len(new) > limit:
                    counted = await _one(conn, q_count, {"project": project})
                    bound = int(counted["n"]) if counted else 0
                    if bound + len(new) > limit:
                        raise too_many_jobs(project, bound, limit, len(new))
                await conn.execute(q_set, {"project": project, "bound": bound + len(new)})
            # ON CONFLICT DO NOTHING: two processes inserting one idempotency key at once
            # both end up with the one row, instead of one of them failing.
            values = Jsonb([{k: row.get(k) for k in _JOB_INSERT_COLUMNS} for row in new])
            inserted = {r["id"]: r for r in await _all(conn, q_insert, {"rows": values})}
            raced = [(r["kind"], r["idempotency_key"]) for r in new if r["id"] not in inserted]
            earlier.update(await find(conn, raced))
            # A key repeated in this call answers with the row its first use inserted.
            earlier.update(((r["kind"], r["idempotency_key"]), r) for r in inserted.values() if r["idempotency_key"])
            if any(r["next_run_at"] is not None for r in inserted.values()):
                await _notify_due(conn)
            out: list[tuple[Row, bool]] = []
            for row in rows:
                mine = inserted.get(row["id"])
                out.append((mine, True) if mine else (earlier[(row["kind"], row["idempotency_key"])], False))
            return out

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
            if col not in JOB_FILTERS:
                raise ValueError(f"cannot filter jobs by {col!r}")
            if val is None:
                continue
            if col == "name":  # a part of the name, any case
                where.append(sql.SQL("strpos(lower(name), lower(%s)) > 0"))
            else:
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
        check_job_changes(changes)
        q_get, q_cancel, q_lock = self._q("job_get"), self._q("runs_cancel_waiting"), self._q("job_lock")
        q_withdraw, q_add = self._q("plans_withdraw"), self._q("jobs_live_bound_add")
        # Every change withdraws the job's plans and plans again from the (new) next_run_at.
        # The service may set plan_at before next_run_at: the first time is one its exclusions skip.
        sets = [sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in changes if c != "plan_at"]
        cursor = next((sql.Placeholder(c) for c in ("plan_at", "next_run_at") if c in changes), sql.SQL("next_run_at"))
        sets.append(sql.SQL("plan_at = {}, planned_runs = 0").format(cursor))
        query = sql.SQL(
            "UPDATE jobs SET {} WHERE project = %(_p)s AND id = %(_id)s AND kind = %(_k)s AND deleted_at IS NULL "
            "RETURNING plan_at"
        ).format(sql.SQL(", ").join(sets))

        revives = changes.get("status") in LIVE_JOB_STATUSES

        async def tx(conn: Conn) -> Row | None:
            locked = await _one(conn, q_lock, {"project": project, "id": job_id, "kind": kind})
            if revives and locked is not None and locked["status"] not in LIVE_JOB_STATUSES:
                await conn.execute(q_add, {"project": project, "n": 1})  # the limit's bound (0011)
            await conn.execute(q_withdraw, {"job_id": job_id})
            updated = await _one(conn, query, {**changes, "_p": project, "_id": job_id, "_k": kind})
            if updated is None:
                return None
            if updated["plan_at"] is not None:
                await _notify_due(conn)  # other workers plan it (again) at once
            if cancel_waiting:
                await conn.execute(q_cancel, {
                    "project": project, "job_id": job_id, "now": changes.get("updated_at"),
                    "reason": "cancelled: the job was paused or changed"})
            return await _one(conn, q_get, {"project": project, "id": job_id, "kind": kind})

        return await self.db.write(tx)

    async def delete_job(self, project: str, kind: str, job_id: str, now: float) -> bool:
        q_del, q_cancel = self._q("job_delete"), self._q("runs_cancel_waiting")
        q_lock, q_withdraw = self._q("job_lock"), self._q("plans_withdraw")

        async def tx(conn: Conn) -> bool:
            if await _one(conn, q_lock, {"project": project, "id": job_id, "kind": kind}) is None:
                return False
            await conn.execute(q_withdraw, {"job_id": job_id})
            await conn.execute(q_del, {"project": project, "id": job_id, "kind": kind, "now": now})
            await conn.execute(q_cancel, {"project": project, "job_id": job_id, "now": now,
                                          "reason": "cancelled: the job was deleted"})
            return True

        return await self.db.write(tx)

    async def cancel_task(self, project: str, task_id: str, now: float) -> Row | None:
        q_cancel, q_runs, q_get = self._q("task_cancel"), self._q("runs_cancel_waiting"), self._q("job_get")
        q_lock, q_withdraw = self._q("job_lock"), self._q("plans_withdraw")

        async def tx(conn: Conn) -> Row | None:
            await conn.execute(q_lock, {"project": project, "id": task_id, "kind": "task"})
            cur = await conn.execute(q_cancel, {"project": project, "id": task_id, "now": now})
            if cur.rowcount:
                await conn.execute(q_withdraw, {"job_id": task_id})
                await conn.execute(q_runs, {"project": project, "job_id": task_id, "now": now,
                                            "reason": "cancelled by task_cancel"})
            return await _one(conn, q_get, {"project": project, "id": task_id, "kind": "task"})

        return await self.db.write(tx)

    # -- runs ---------------------------------------------------------------------------
    async def insert_run(self, row: Row) -> Row:
        q = self._q("run_insert")
        values = {k: row.get(k) for k in RUN_COLUMNS}

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
            if col not in RUN_FILTERS:
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
    async def claim_due(
        self, now: float, horizon: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> Claim:
        q = self.db.queries

        async def tx(conn: Conn) -> Claim:
            taken = await _all(conn, q["plans_reclaim"], {"now": now, "owner": owner, "until": lease_until,
                                                          "limit": limit})
            planned = await self._plan(conn, now, horizon, max(limit, 100), owner, lease_until, planner)
            refs = [PlanRef(r["id"], r["job_id"], r["scheduled_for"]) for r in taken]
            claim = Claim(plans=sorted(refs + planned, key=lambda p: p.due))
            params = {"now": now, "owner": owner, "until": lease_until, "limit": limit}
            runs = await _all(conn, q["claim_expired"], params)
            if len(runs) < limit:
                runs += await _all(conn, q["claim_waiting"], {**params, "limit": limit - len(runs)})
            if not runs:
                return claim
            job_ids = sorted({r["job_id"] for r in runs})
            jobs = {j["id"]: j for j in await _all(conn, q["jobs_by_ids"], {"ids": job_ids})}
            task_ids = [i for i in job_ids if jobs[i]["kind"] == "task"]
            if task_ids:
                await conn.execute(q["tasks_mark_running"], {"ids": task_ids, "now": now})
            for r in runs:
                r.pop("due", None)
                claim.runs.append(Claimed(run=r, job=jobs[r["job_id"]], due=now))
            return claim

        return await self.db.write(tx)

    async def _plan(
        self, conn: Conn, now: float, horizon: float, limit: int, owner: str, lease_until: float, planner: Planner
    ) -> list[PlanRef]:
        """Turn jobs due by ``horizon`` (locked, SKIP LOCKED) into plans leased to ``owner``."""
        q = self.db.queries
        due = await _all(conn, q["due_jobs"], {"horizon": horizon, "limit": limit})
        if not due:
            return []
        plans: list[Row] = []
        advances: list[Row] = []
        for job in due:
            plan = planner(job, now, horizon)
            for fire in plan.fires:
                plans.append({"id": new_id("run"), "project": job["project"], "job_id": job["id"],
                              "job_kind": job["kind"], "trigger": fire.trigger, "scheduled_for": fire.scheduled_for,
                              "skip_reason": fire.skip})
            ch = plan.changes
            advances.append({"id": job["id"], "plan_at": ch["plan_at"], "planned_runs": ch["planned_runs"],
                             "next_run_at": ch.get("next_run_at"), "keep": "next_run_at" not in ch})
        if plans:
            await conn.execute(q["plans_insert_many"], {**_columns(plans, _PLAN_COLUMNS), "owner": owner,
                                                        "until": lease_until, "now": now})
        await conn.execute(q["jobs_plan_many"], _columns(advances, ("id", "plan_at", "planned_runs", "next_run_at",
                                                                    "keep")))
        return sorted((PlanRef(p["id"], p["job_id"], p["scheduled_for"]) for p in plans), key=lambda p: p.due)

    async def confirm_plans(
        self, owner: str, plan_ids: list[str], now: float, lease_until: float, misfire_grace: float
    ) -> list[Claimed]:
        q = self.db.queries

        async def tx(conn: Conn) -> list[Claimed]:
            params = {"ids": plan_ids, "owner": owner}
            jobs = {j["id"]: j for j in await _all(conn, q["jobs_lock_for_plans"], params)}
            taken = await _all(conn, q["plans_take"], params)
            if not taken:
                return []
            ids = sorted({plan["job_id"] for plan in taken})
            unfinished = {r["job_id"]: int(r["n"]) for r in await _all(conn, q["unfinished_runs_of_jobs"],
                                                                         {"job_ids": ids})}
            later = {r["job_id"]: (r["first"], r["last"]) for r in await _all(conn, q["plans_span_of_jobs"],
                                                                               {"ids": ids})}
            done = settle_plans(taken, jobs, unfinished=unfinished, later=later, now=now, owner=owner,
                                lease_until=lease_until, misfire_grace=misfire_grace)
            runs = done.runs
            changes = [{**ch, "set_plan_at": "plan_at" in ch, "plan_at": ch.get("plan_at"), "status": ch.get("status")}
                       for ch in done.changes]
            if runs:
                await conn.execute(q["runs_insert_many"], _columns(runs, _SETTLED_RUN_COLUMNS))
            if changes:
                await conn.execute(q["jobs_settle_many"], _columns(changes, (
                    "id", "run_count", "planned_runs", "last_run_at", "last_run_id", "next_run_at", "set_plan_at",
                    "plan_at", "status")))
            if any(r["state"] == "pending" for r in runs) or any(c.get("plan_at") is not None for c in changes):
                await _notify_due(conn)
            return [Claimed(run=r, job=job, due=r["scheduled_for"]) for r, job in done.send]

        return await self.db.write(tx)

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
        q_runs, q_plans = self._q("leases_renew"), self._q("plan_leases_renew")

        async def tx(conn: Conn) -> None:
            await conn.execute(q_runs, {"owner": owner, "until": until})
            await conn.execute(q_plans, {"owner": owner, "until": until})

        await self.db.write(tx)

    async def release_runs(self, owner: str, run_ids: list[str], now: float) -> None:
        q = self.db.queries

        async def tx(conn: Conn) -> None:
            await conn.execute(q["plans_release"], {"owner": owner})
            if run_ids:
                await conn.execute(q["runs_release"], {"ids": run_ids, "owner": owner, "now": now})
            await _notify_due(conn)

        await self.db.write(tx)

    async def next_due_at(self, owner: str) -> Due:
        q = self._q("next_due")

        async def tx(conn: Conn) -> Due:
            row = await _one(conn, q, {"owner": owner})
            if row is None:
                return Due(None, None)
            return Due(plan=None if row["plan"] is None else float(row["plan"]),
                       run=None if row["run"] is None else float(row["run"]))

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
