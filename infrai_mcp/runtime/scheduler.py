"""The scheduler: plans fires ahead of time, confirms each plan at its time, runs it, records outcomes.

Loop (one per process that holds the 'dispatch' lease of the data dir; on PostgreSQL every
worker holds its own and SKIP LOCKED keeps them apart):

1. ``store.claim_due`` in ONE transaction turns jobs due within ``lookahead`` (up to 5 s) into
   PLANS leased to this process (``planning.plan_fire`` decides the fires) and leases runs
   due now (retries, queued runs, runs of a dead process).
2. Plans wait in an in-memory heap. At a plan's time the feeder confirms it: ONE transaction
   for every plan due together (``store.confirm_plans``) turns the plans that still exist into
   runs (``planning.settle``). A change to a job deletes its plans in the change's own
   transaction, so a plan made under old settings is never confirmed after the change
   returned — whichever process holds it. Only confirmed runs are sent.
3. Each run to send becomes an asyncio task (``Executor`` in runner.py): one attempt through
   the dispatcher, then an ``Outcome`` recorded in batches.
4. Sleep until the next plan is half a look-ahead away, a run is due, or a ``wake()``
   (service ops call it after creates and updates), at most ``poll_interval`` (1 s) so work
   written by another process is noticed.

Why a dispatch lease: two servers sharing one SQLite data dir must not both fire. Run and
plan leases (renewed every lease/3) make the work of a process that died come back: its
plans and runs are taken over as they are, with the same ids and ``webhook_id``
(at-least-once).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import os
import socket

from infrai_mcp.core.ids import new_id
from infrai_mcp.core.planning import FirePlan, plan_fire
from infrai_mcp.runtime.executor import EngineParts, Executor
from infrai_mcp.store.jobs import Claimed, PlanRef, Row

log = logging.getLogger("infrai.scheduler")

DISPATCH_LEASE = "dispatch"
CONFIRM_BATCH = 500  # plans confirmed per transaction


class Scheduler:
    def __init__(
        self,
        engine: EngineParts,
        *,
        lease_seconds: float,
        batch: int = 200,
        max_in_flight: int = 10000,
        lookahead: float | None = None,
        poll_interval: float = 1.0,
        misfire_grace: float = 60.0,
        stop_grace: float = 10.0,
    ) -> None:
        self.engine = engine
        self.lease_seconds = lease_seconds
        self.batch = batch
        # Plan up to 5 s ahead: a claim then happens >= 2.5 s before the work is due, so a
        # store stall (~1 s stalls on the loaded bench VM, most likely WAL checkpoint fsyncs) does
        # not make fires late. Never more than a quarter of the lease, so waiting plans keep
        # their lease.
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
        # Plans waiting for their time: a heap the feeder confirms on time, so a claim of a
        # thousand plans costs a thousand heap pushes, not a thousand tasks.
        self._waiting: list[tuple[float, int, PlanRef]] = []
        self._confirming = 0  # plans popped from the heap whose confirm transaction runs
        self._seq = itertools.count()
        self._feed: asyncio.Event | None = None
        self.started_runs = 0  # runs this process started (``engine status``)
        self.last_started: tuple[float, str, str] | None = None  # (when, job id, run id)

    @property
    def held(self) -> int:
        """Plans and runs this process holds leases for."""
        return len(self.in_flight) + len(self._waiting) + self._confirming

    def wake(self) -> None:
        """Re-evaluate the next due time now (after a create/update or a finished run)."""
        if self._event is not None:
            self._event.set()

    def _now(self) -> float:
        return self.engine.clock.now().timestamp()

    def plan(self, job: Row, now: float, horizon: float) -> FirePlan:
        return plan_fire(job, now, horizon, misfire_grace=self.misfire_grace)

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
        """Stop claiming; let in-flight runs finish for ``stop_grace`` s, give back the rest."""
        self._stopping = True
        self.wake()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._waiting = []  # plans: released below, taken over by the next claim
        unfinished: list[str] = []
        pending = list(self.in_flight.values())
        if pending:
            _, still = await asyncio.wait(pending, timeout=self.stop_grace)
            unfinished += [rid for rid, t in self.in_flight.items() if t in still]
            for t in still:
                t.cancel()
            await asyncio.gather(*still, return_exceptions=True)
        if self.holding:
            # Released runs are claimable at once by the next process, and the cut-off
            # attempt is not counted against the job's retries.
            await self.engine.store.release_runs(self.owner, unfinished, self._now())
            if unfinished:
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

    async def _take_lease(self, now: float) -> bool:
        if not self.holding:
            self.holding = await self.engine.store.take_lease(DISPATCH_LEASE, self.owner, now, now + self.lease_seconds)
            if self.holding:
                log.info("holding the dispatch lease (owner %s)", self.owner)
        return self.holding

    async def _claim(self, now: float, limit: int) -> int:
        """One claim transaction: plans go to the heap, runs due now start. Returns the count."""
        claim = await self.engine.store.claim_due(
            now, now + self.lookahead, self.owner, now + self.lease_seconds, limit, self.plan
        )
        for plan in claim.plans:
            self._hold(plan)
        for run in claim.runs:
            self._start(run)
        return len(claim.plans) + len(claim.runs)

    async def _loop(self) -> None:
        assert self._event is not None
        store = self.engine.store
        while not self._stopping:
            timeout = self.poll_interval
            try:
                now = self._now()
                if await self._take_lease(now):
                    free = self.max_in_flight - self.held
                    # Nearly saturated: wait for `refill` free slots (the done callback wakes us).
                    limit = min(self.batch, free) if free >= self.refill else 0
                    if limit > 0 and await self._claim(now, limit) >= limit:
                        continue  # a full batch: more may be due right now
                    if limit > 0:
                        due = await store.next_due_at(self.owner)
                        # Plans: wake when the next one is half a look-ahead away, so each claim
                        # takes half a look-ahead's worth of work in one transaction instead of
                        # one claim per fire under steady load. Runs: when they are due.
                        wake_at = [t for t in ((due.plan - self.lookahead / 2) if due.plan is not None else None,
                                               due.run) if t is not None]
                        if wake_at:
                            timeout = min(self.poll_interval, max(0.0, min(wake_at) - self._now()))
            except Exception:
                log.exception("scheduler iteration failed; retrying in %.1f s", self.poll_interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout)
            self._event.clear()

    def _hold(self, plan: PlanRef) -> None:
        """Keep a plan until it is due (the feeder confirms it)."""
        head = self._waiting[0][0] if self._waiting else None
        heapq.heappush(self._waiting, (plan.due, next(self._seq), plan))
        if self._feed is not None and (head is None or plan.due < head):
            self._feed.set()  # a new earliest plan: the feeder re-plans its sleep

    def _pop_due(self, now: float) -> list[PlanRef]:
        due: list[PlanRef] = []
        while self._waiting and self._waiting[0][0] <= now and len(due) < CONFIRM_BATCH:
            due.append(heapq.heappop(self._waiting)[2])
        return due

    async def _confirm(self, plans: list[PlanRef]) -> None:
        """Turn due plans into runs (those a change did not withdraw) and start them."""
        self._confirming += len(plans)
        try:
            now = self._now()
            runs = await self.engine.store.confirm_plans(self.owner, [p.id for p in plans], now,
                                                         now + self.lease_seconds, self.misfire_grace)
        except Exception:
            # Not confirmed: the plans stay leased to us; when the lease expires the next claim
            # (ours or another process's) takes them over.
            log.exception("confirming %d plan(s) failed; they will be planned again", len(plans))
            return
        finally:
            self._confirming -= len(plans)
        for run in runs:
            self._start(run)
        if len(runs) < len(plans):
            self.wake()  # withdrawn plans: their jobs may be due again under new settings

    async def _feeder(self) -> None:
        """Confirm and start each waiting plan as it comes due; one confirm transaction at a time,
        so plans falling due while one runs share the next."""
        assert self._feed is not None
        while True:
            due = self._pop_due(self._now())
            if due:
                await self._confirm(due)
                continue
            # No await between computing the timeout and waiting: nothing can slip in.
            self._feed.clear()
            timeout = self._waiting[0][0] - self._now() if self._waiting else None
            if timeout is None or timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._feed.wait(), timeout)

    def _start(self, claimed: Claimed) -> None:
        run_id = claimed.run["id"]
        self.started_runs += 1
        self.last_started = (self._now(), str(claimed.job["id"]), run_id)
        task = asyncio.create_task(self.executor.execute(claimed), name=f"infrai-run:{run_id}")
        self.in_flight[run_id] = task

        def done(_: asyncio.Task[None]) -> None:
            self.in_flight.pop(run_id, None)
            if self.held == self.max_in_flight - self.refill:
                self.wake()  # enough slots freed up after we were saturated

        task.add_done_callback(done)

    async def step(self) -> int:
        """Drive the scheduler by hand (tests with an injected clock, with the loops not
        started): claim what is due by the engine clock's now (planning ahead as the loop
        does), confirm the plans whose time has come, run everything due to completion and
        record the outcomes. Returns the number of runs executed."""
        now = self._now()
        if not await self._take_lease(now):
            return 0
        while await self._claim(now, self.batch) >= self.batch:
            pass
        while True:
            due = self._pop_due(now)
            if not due:
                break
            await self._confirm(due)
        ran = len(self.in_flight)
        while self.in_flight:
            await asyncio.gather(*list(self.in_flight.values()), return_exceptions=True)
        await self.executor.drain()
        return ran
