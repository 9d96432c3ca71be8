"""The scheduler: sleeps until work is due, claims it in batches, runs it, records outcomes.

Loop (one per process that holds the 'dispatch' lease of the data dir):

1. ``store.claim_runs_ahead`` in ONE transaction turns due jobs into runs (via ``plan``, pure), advances
   each job's ``next_run_at`` and leases up to ``batch`` claimable runs to this process.
   Claims look ``lookahead`` (up to 5 s) ahead: a claimed run's task sleeps in memory until
   its exact due time, so store latency under load does not add to fire lateness.
2. Each claimed run becomes an asyncio task (``Executor`` in runner.py): one attempt
   through the dispatcher, then an ``Outcome`` recorded in batches (many finished runs,
   one transaction).
3. Sleep until ``store.next_due_at`` or a ``wake()`` (service ops call it after creates and
   updates), but at most ``poll_interval`` (1 s) so work written by another process (the
   CLI, a second server) is noticed.

Why a dispatch lease: two servers sharing one data dir must not both fire. Exactly one
holds the lease row (owner + expiry, renewed every lease/3); the other takes over when
it expires. Run leases (renewed while running) make a run in flight when its process
died claimable again after ``lease_seconds``: at-least-once, same ``webhook_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import os
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from infrai_mcp.engine.runner import Executor
from infrai_mcp.engine.store_jobs import Claimed, FirePlan, PlannedRun, Row
from infrai_mcp.ids import new_id
from infrai_mcp.when.cron import CronError, next_fire

if TYPE_CHECKING:
    from infrai_mcp.engine.engine import Engine

log = logging.getLogger("infrai.scheduler")

DISPATCH_LEASE = "dispatch"
MAX_CATCHUP = 100  # misfire_policy run_all: at most this many missed fires are replayed


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def plan_fire(job: Row, now: float, unfinished: int, *, misfire_grace: float) -> FirePlan:
    """What a due job turns into. Pure: the store calls it inside its claim transaction.

    One-shot jobs fire once (even late: a task is never silently dropped). Recurring jobs
    fire at ``next_run_at``; when that is more than ``misfire_grace`` in the past the
    process was down, and ``misfire_policy`` decides: run_once (one run, then continue
    from now), skip (no run), run_all (every missed fire, at most MAX_CATCHUP).
    """
    due = float(job["next_run_at"])
    run_count = int(job["run_count"] or 0)
    # last_run_at is the scheduled time of the latest fire (what its run shows as scheduled_for),
    # not the claim time: claims look up to a few seconds ahead of the fire.
    changes: Row = {}
    schedule = job["schedule"]
    if schedule is None:
        changes["last_run_at"] = due
        changes.update(next_run_at=None, run_count=run_count + 1)
        if job["kind"] != "task":
            changes["status"] = "completed"
        return FirePlan(runs=[PlannedRun(due)], changes=changes)

    misfire = now - due > misfire_grace
    fires: list[float] = [due]
    if misfire and job["misfire_policy"] == "skip":
        fires = []
    elif misfire and job["misfire_policy"] == "run_all":
        fires, at = [], _dt(due)
        with contextlib.suppress(CronError, StopIteration):
            while at.timestamp() <= now and len(fires) < MAX_CATCHUP:
                fires.append(at.timestamp())
                at = next_fire(schedule, job["timezone"], at)
    max_runs = job["max_runs"]
    if max_runs is not None:
        fires = fires[: max(0, int(max_runs) - run_count)]
    trigger = "misfire" if misfire else "schedule"
    runs: list[PlannedRun] = []
    for i, at_ts in enumerate(fires):
        if job["overlap_policy"] == "skip" and (unfinished > 0 or i > 0):
            runs.append(PlannedRun(at_ts, trigger, "skipped",
                                   "skipped: the previous run is still in flight (overlap_policy=skip)"))
        else:
            runs.append(PlannedRun(at_ts, trigger))
    counted = sum(1 for r in runs if r.state == "pending")
    if runs:
        changes["last_run_at"] = max(r.scheduled_for for r in runs)
    changes["run_count"] = run_count + counted
    try:
        nxt: float | None = next_fire(schedule, job["timezone"], _dt(now if misfire else due)).timestamp()
    except (CronError, StopIteration):
        nxt = None  # cannot happen for a validated expression; stop rather than spin
    if max_runs is not None and changes["run_count"] >= int(max_runs):
        nxt = None
        changes["status"] = "completed"
    changes["next_run_at"] = nxt
    return FirePlan(runs=runs, changes=changes)


class Scheduler:
    def __init__(
        self,
        engine: Engine,
        *,
        lease_seconds: float | None = None,
        batch: int = 200,
        max_in_flight: int = 10000,
        lookahead: float | None = None,
        poll_interval: float = 1.0,
        misfire_grace: float = 60.0,
        stop_grace: float = 10.0,
    ) -> None:
        self.engine = engine
        env_lease = os.environ.get("INFRAI_LEASE_SECONDS")
        self.lease_seconds = lease_seconds or (float(env_lease) if env_lease else 30.0)
        self.batch = batch
        # Claim up to 5 s ahead: a claim then happens >= 2.5 s before the work is due, so a
        # store stall (~1 s stalls on the loaded bench VM, most likely WAL checkpoint fsyncs) does
        # not make fires late. Never more than a quarter of the lease, so claimed-but-waiting
        # runs keep their lease.
        self.lookahead = lookahead if lookahead is not None else min(5.0, self.lease_seconds / 4)
        self.max_in_flight = max_in_flight
        # After saturation, claim again once this many slots are free: one claim per
        # `refill` finished runs, not one claim (and one transaction) per finished run.
        self.refill = max(1, min(batch, max_in_flight // 4))
        self.poll_interval = poll_interval
        self.misfire_grace = misfire_grace
        self.stop_grace = stop_grace
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{new_id('own')[-8:]}"
        self.executor = Executor(engine, self)
        self.holding = False
        self._event: asyncio.Event | None = None
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self.in_flight: dict[str, asyncio.Task[None]] = {}  # runs being executed
        # Runs claimed ahead and not yet due: a heap the feeder turns into tasks on time, so
        # a claim of a thousand runs costs a thousand heap pushes, not a thousand tasks.
        self._waiting: list[tuple[float, int, Claimed]] = []
        self._seq = itertools.count()
        self._feed: asyncio.Event | None = None

    @property
    def held(self) -> int:
        """Runs this process holds leases for (waiting for their time or executing)."""
        return len(self.in_flight) + len(self._waiting)

    def wake(self) -> None:
        """Re-evaluate the next due time now (after a create/update or a finished run)."""
        if self._event is not None:
            self._event.set()

    def _now(self) -> float:
        return self.engine.clock.now().timestamp()

    def plan(self, job: Row, now: float, unfinished: int) -> FirePlan:
        return plan_fire(job, now, unfinished, misfire_grace=self.misfire_grace)

    async def start(self) -> None:
        self._event = asyncio.Event()
        self._feed = asyncio.Event()
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._loop(), name="infrai-scheduler"),
            asyncio.create_task(self._feeder(), name="infrai-feeder"),
            asyncio.create_task(self._renew_loop(), name="infrai-lease-renewal"),
        ]

    async def stop(self) -> None:
        """Stop claiming; let in-flight runs finish for ``stop_grace`` s, release the rest."""
        self._stopping = True
        self.wake()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        unfinished = [c.run["id"] for _, _, c in self._waiting]  # claimed ahead, never started
        self._waiting = []
        pending = list(self.in_flight.values())
        if pending:
            _, still = await asyncio.wait(pending, timeout=self.stop_grace)
            unfinished += [rid for rid, t in self.in_flight.items() if t in still]
            for t in still:
                t.cancel()
            await asyncio.gather(*still, return_exceptions=True)
        if unfinished:
            # Released runs are claimable at once by the next process, and the cut-off
            # attempt is not counted against the job's retries.
            await self.engine.store.release_runs(self.owner, unfinished, self._now())
            log.info("released %d unfinished run(s) for retry", len(unfinished))
        await self.executor.drain()
        if self.holding:
            with contextlib.suppress(Exception):
                await self.engine.store.release_lease(DISPATCH_LEASE, self.owner)
            self.holding = False

    async def _renew_loop(self) -> None:
        store = self.engine.store
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                now = self._now()
                if self.holding:
                    self.holding = await store.take_lease(DISPATCH_LEASE, self.owner, now, now + self.lease_seconds)
                    if not self.holding:
                        log.warning("lost the dispatch lease; another process fires work now")
                if self.held:
                    await store.renew_run_leases(self.owner, now + self.lease_seconds)
            except Exception:
                log.exception("lease renewal failed; will retry")

    async def _loop(self) -> None:
        assert self._event is not None
        store = self.engine.store
        while not self._stopping:
            timeout = self.poll_interval
            try:
                now = self._now()
                if not self.holding:
                    self.holding = await store.take_lease(DISPATCH_LEASE, self.owner, now, now + self.lease_seconds)
                    if self.holding:
                        log.info("holding the dispatch lease (owner %s)", self.owner)
                if self.holding:
                    free = self.max_in_flight - self.held
                    # Nearly saturated: wait for `refill` free slots (the done callback wakes us).
                    limit = min(self.batch, free) if free >= self.refill else 0
                    claimed: list[Claimed] = []
                    if limit > 0:
                        claimed = await store.claim_runs_ahead(
                            now, now + self.lookahead, self.owner, now + self.lease_seconds, limit, self.plan
                        )
                        for c in claimed:
                            self._spawn(c)
                    if limit > 0 and len(claimed) == limit:
                        continue  # a full batch: more may be due right now
                    # Saturated (limit 0): a finishing run wakes us; until then nothing to ask.
                    due = await store.next_due_at(self.owner) if limit > 0 else None
                    if due is not None and due > now + self.lookahead:
                        # Wake when the next due time is half a lookahead away: each claim
                        # then takes half a lookahead's worth of work in one transaction
                        # instead of one claim per run under steady load. (Work due within
                        # the horizon that claim left alone is blocked by overlap 'queue':
                        # a wake-up or the poll re-checks it.)
                        timeout = min(self.poll_interval, max(0.0, due - self.lookahead / 2 - self._now()))
            except Exception:
                log.exception("scheduler iteration failed; retrying in %.1f s", self.poll_interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout)
            self._event.clear()

    def withdraw(self, job_id: str) -> list[str]:
        """Take a job's claimed-ahead, not yet started runs out of the heap; their ids.

        JobService calls it before pausing, deleting or cancelling, then cancels them in the
        store, so a fire claimed ahead does not slip out after the job was stopped.
        """
        keep: list[tuple[float, int, Claimed]] = []
        gone: list[tuple[float, int, Claimed]] = []
        now = self._now()
        for item in self._waiting:
            # Only runs still ahead of their time (due now: the feeder is about to start them;
            # stores without look-ahead claim with due 0 and never get here).
            (gone if item[2].job["id"] == job_id and item[0] > now else keep).append(item)
        if gone:
            heapq.heapify(keep)
            self._waiting = keep
        return [item[2].run["id"] for item in gone]

    def _spawn(self, claimed: Claimed) -> None:
        """Hold a claimed run until it is due (the feeder starts it)."""
        assert self._feed is not None
        head = self._waiting[0][0] if self._waiting else None
        heapq.heappush(self._waiting, (claimed.due, next(self._seq), claimed))
        if head is None or claimed.due < head:
            self._feed.set()  # a new earliest run: the feeder re-plans its sleep

    async def _feeder(self) -> None:
        """Start each waiting run as it comes due, yielding every 100 so sends begin at once."""
        assert self._feed is not None
        while True:
            started = 0
            while self._waiting and self._waiting[0][0] <= self._now():
                _, _, claimed = heapq.heappop(self._waiting)
                self._start(claimed)
                started += 1
                if started % 100 == 0:
                    await asyncio.sleep(0)
            # No await between computing the timeout and waiting: nothing can slip in.
            self._feed.clear()
            timeout = self._waiting[0][0] - self._now() if self._waiting else None
            if timeout is None or timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._feed.wait(), timeout)

    def _start(self, claimed: Claimed) -> None:
        run_id = claimed.run["id"]
        task = asyncio.create_task(self.executor.execute(claimed), name=f"infrai-run:{run_id}")
        self.in_flight[run_id] = task

        def done(_: asyncio.Task[None]) -> None:
            self.in_flight.pop(run_id, None)
            if self.held == self.max_in_flight - self.refill:
                self.wake()  # enough slots freed up after we were saturated

        task.add_done_callback(done)
