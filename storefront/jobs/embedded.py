"""The embedded runner: the jobs run inside each store process, with no server (JOB_QUEUE=embedded).

Several store processes may share one database (granian's workers on one SQLite file, or several hosts on
one PostgreSQL). Each tick of a job's schedule is claimed in the `job_run` table by a conditional UPDATE
that only one process wins (`claim_tick`); the others skip it. A request that queued mail wakes the runner
of its own process (`wake`), which sends it at once; the outbox's own claims keep two processes from
sending one message twice.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable

from storefront.jobs.registry import Job, JobContext, job_named, run_job
from storefront.jobs.schedule import next_tick, tick_at_or_before
from storefront.jobs.tables import JobRun

log = logging.getLogger(__name__)
# Waking a little after a tick rather than a little before it, so the tick is due when the runner looks.
TICK_MARGIN_SECONDS = 0.05


async def claim_tick(job_name: str, tick: int) -> bool:
    """True for the one caller, among all processes on this database, that claims `tick` of `job_name`.

    The UPDATE moves the job's slot forward only from an earlier tick, so after the first caller's UPDATE
    the condition is false for every other (SQLite runs writes one at a time; PostgreSQL re-checks the
    condition on the row the first one left). The caller's token tells whether the row is its own."""
    await JobRun.insert(JobRun(job=job_name, slot=0)).on_conflict(action="DO NOTHING")
    token = uuid.uuid4().hex
    await JobRun.update({JobRun.slot: tick, JobRun.claimed_by: token, JobRun.started_at: dt.datetime.now(dt.UTC)}
                        ).where((JobRun.job == job_name) & (JobRun.slot < tick))
    return await JobRun.exists().where((JobRun.job == job_name) & (JobRun.claimed_by == token))


async def cancel_and_wait(task: asyncio.Task) -> None:
    """Cancels `task` until it has stopped. Once is not always enough on Python 3.11: `asyncio.wait_for`, which
    the SMTP and database clients use, can swallow a cancellation that arrives as its result does, and the
    job would then go on to its next message, or sleep until its next tick, while the app waits to stop."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1)
    if not task.cancelled() and task.exception() is not None:
        log.error("the job runner had stopped on an error", exc_info=task.exception())


class EmbeddedRunner:
    def __init__(self, jobs: Iterable[Job], context: JobContext) -> None:
        self.context = context
        self.scheduled = [(job, cron) for job in jobs if (cron := job.cron(context.settings))]
        self._woken: set[str] = set()
        self._event = asyncio.Event()

    async def wake(self, job_name: str) -> None:
        """Run `job_name` as soon as this process's runner is free (called after a response)."""
        self._woken.add(job_name)
        self._event.set()

    async def run_forever(self) -> None:
        """Two loops: the sweeps on their ticks, and what was woken, at once, even while a long sweep runs (a
        backlog of mail must not hold back the password reset someone is waiting for)."""
        sweeping = asyncio.create_task(self._sweep_forever())
        try:
            while True:
                await self._event.wait()
                self._event.clear()
                await self._run_woken()
        finally:
            await cancel_and_wait(sweeping)

    async def _sweep_forever(self) -> None:
        if not self.scheduled:
            return
        while True:
            # At start: the latest tick of every job, unless another process already ran it.
            now = time.time()
            await self.run_due(now)
            due = min(next_tick(cron, now) for _, cron in self.scheduled) + TICK_MARGIN_SECONDS
            await asyncio.sleep(max(0.0, due - time.time()))

    async def run_due(self, now: float) -> int:
        """Runs each job whose latest tick no process has claimed yet; returns how many this runner ran."""
        ran = 0
        for job, cron in self.scheduled:
            try:
                if await claim_tick(job.name, tick_at_or_before(cron, now)):
                    ran += 1
                    follow_ups = await run_job(job, self.context)
                    if follow_ups:
                        self._woken |= follow_ups
                        self._event.set()
            except Exception:
                log.exception("job %s failed; it runs again at its next tick", job.name)
        return ran

    async def _run_woken(self) -> None:
        while self._woken:
            name = min(self._woken)
            self._woken.discard(name)
            try:
                self._woken |= await run_job(job_named(name), self.context)
            except Exception:
                log.exception("job %s failed; it runs again at its next tick", name)
