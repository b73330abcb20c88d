"""The production runner: the jobs run on procrastinate, a job queue kept in PostgreSQL (JOB_QUEUE=procrastinate).

Worker processes (`python -m storefront.manage worker`, on any number of hosts) take the jobs. Procrastinate
defers each periodic tick once across all workers (a unique row per task and tick) and hands each job to one
worker; a `lock` per job keeps two runs of one job from overlapping. A deferred job is announced by
PostgreSQL's LISTEN/NOTIFY, so a worker starts it within a moment: the store defers `send-mail` after the
response of a request that queued mail (`QueueWaker`), once the request's transaction has committed.

Its schema is applied by `manage migrate` (`apply_schema`), which leaves an existing schema alone.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from storefront.jobs.registry import Job, JobContext, job_named, run_job
from storefront.settings import Settings

TASK_PREFIX = "encore."
# A worker that starts after an outage still defers the latest tick of every job, however long ago it was.
MAX_PERIODIC_DELAY_SECONDS = 7 * 24 * 3_600


def queue_app(settings: Settings, *, pool_size: int | None = None) -> procrastinate.App:
    """The procrastinate app on the store's database; open it (`open_async()`) before deferring."""
    size = pool_size or settings.database_pool_size
    connector = procrastinate.PsycopgConnector(conninfo=settings.database_url, min_size=1, max_size=size)
    return procrastinate.App(connector=connector,
                             periodic_defaults={"max_delay": MAX_PERIODIC_DELAY_SECONDS})


async def defer(app: procrastinate.App, job_name: str) -> None:
    """Asks a worker to run `job_name` now; one waiting run of a job is enough, so a second is not queued."""
    # AlreadyEnqueued: a run is already waiting, and it will see what this caller wanted done.
    with contextlib.suppress(AlreadyEnqueued):
        await app.configure_task(TASK_PREFIX + job_name, queueing_lock=job_name).defer_async()


class QueueWaker:
    """What the store process holds in production: it defers jobs, never runs them."""

    def __init__(self, app: procrastinate.App) -> None:
        self.app = app

    async def wake(self, job_name: str) -> None:
        await defer(self.app, job_name)


def register_jobs(app: procrastinate.App, jobs: Iterable[Job], context: JobContext) -> None:
    """Makes each job a task of `app` (and a periodic one when it has a schedule), run with `context`."""
    for job in jobs:
        async def perform(timestamp: int | None = None, *, job_name: str = job.name) -> None:
            # `timestamp` is the tick procrastinate passes to a periodic run; a deferred run has none.
            for follow_up in sorted(await run_job(job_named(job_name), context)):
                await defer(app, follow_up)

        task: Any = app.task(name=TASK_PREFIX + job.name, lock=job.name, queueing_lock=job.name)(perform)
        cron = job.cron(context.settings)
        if cron:
            app.periodic(cron=cron)(task)


async def apply_schema(app: procrastinate.App) -> bool:
    """Creates procrastinate's tables unless they exist; True when it did. Run by `manage migrate`."""
    row = await app.connector.execute_query_one_async("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present")
    if row["present"]:
        return False
    await app.schema_manager.apply_schema_async()
    return True


async def run_worker(app: procrastinate.App) -> None:
    """Takes jobs until SIGINT or SIGTERM; finished jobs are deleted, failed ones kept for inspection."""
    await app.run_worker_async(delete_jobs="successful", name="encore")
