"""Each unit of scheduled work is done once, however many workers run it: a message is claimed by one
sender, a tick of a job by one store process. On SQLite and on PostgreSQL."""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.jobs.embedded import EmbeddedRunner, claim_tick
from storefront.jobs.registry import Job, JobContext
from storefront.mail.outbox import deliver_pending, queue
from storefront.mail.tables import OutboxEmail
from storefront.settings import Settings
from tests.conftest import bind_store, unbind_store
from tests.integration.smtp_standin import SMTPStandIn, free_port
from tests.integration.test_accounts import new_email, post_form, sign_up


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, prepared_store: Settings) -> Iterator[Settings]:
    """The demo store's copy, or the tables bound for this test to a migrated PostgreSQL database."""
    if request.param == "sqlite":
        yield prepared_store
        return
    url = request.getfixturevalue("postgres_url")
    bound = bind_store(url)
    try:
        yield replace(prepared_store, database_url=url)
    finally:
        unbind_store(bound)


async def nothing_waiting() -> None:
    """Whatever the store queued before the test counts as sent, so the test counts its own messages."""
    await OutboxEmail.update({OutboxEmail.sent_at: dt.datetime.now(dt.UTC)}).where(OutboxEmail.sent_at.is_null())


async def test_two_senders_at_once_send_each_message_once(database: Settings, smtp: SMTPStandIn) -> None:
    await nothing_waiting()
    recipients = [new_email() for _ in range(10)]
    for to in recipients:
        await queue(to=to, subject="Your order", body="Thank you.", kind="test")
    settings = smtp.settings(database)
    sent = await asyncio.gather(deliver_pending(settings), deliver_pending(settings))
    assert sum(sent) == 10
    assert smtp.received.counts() == {(to, "Your order"): 1 for to in recipients}
    unsent = OutboxEmail.to_address.is_in(recipients) & OutboxEmail.sent_at.is_null()
    assert await OutboxEmail.count().where(unsent) == 0


async def test_a_failed_message_waits_for_its_retry_instead_of_being_sent_again_at_once(database: Settings) -> None:
    await nothing_waiting()
    to = new_email()
    await queue(to=to, subject="Reset your password", body="…", kind="test")
    unreachable = replace(database, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False)
    assert await deliver_pending(unreachable) == 0
    assert await deliver_pending(unreachable) == 0
    row = await OutboxEmail.select(OutboxEmail.attempts, OutboxEmail.sent_at).where(
        OutboxEmail.to_address == to).first()
    assert row == {"attempts": 1, "sent_at": None}


async def test_one_of_two_processes_claims_a_tick(database: Settings) -> None:
    job = f"job-{uuid.uuid4().hex[:8]}"  # the PostgreSQL database lasts for the module
    first, second = await asyncio.gather(claim_tick(job, 1_800), claim_tick(job, 1_800))
    assert sorted([first, second]) == [False, True]
    assert await claim_tick(job, 1_800) is False
    assert await claim_tick(job, 2_700) is True


async def test_two_embedded_runners_run_a_scheduled_job_once(database: Settings) -> None:
    runs: list[str] = []

    async def count(context: JobContext) -> None:
        runs.append("ran")

    async def no_search() -> int:
        return 0

    job = Job(f"count-{uuid.uuid4().hex[:8]}", count, schedule="*/15 * * * *")
    context = JobContext(database, no_search)
    runners = [EmbeddedRunner([job], context), EmbeddedRunner([job], context)]
    quarter_past = 1_796_044_500.0
    await asyncio.gather(*(runner.run_due(quarter_past) for runner in runners))
    assert runs == ["ran"]
    await asyncio.gather(*(runner.run_due(quarter_past + 60) for runner in runners))
    assert runs == ["ran"]  # the same tick
    await asyncio.gather(*(runner.run_due(quarter_past + 900) for runner in runners))
    assert runs == ["ran", "ran"]


async def test_a_password_reset_leaves_without_waiting_for_the_hourly_jobs(prepared_store: Settings, backend,
                                                                            smtp: SMTPStandIn) -> None:
    settings = replace(smtp.settings(prepared_store), jobs_interval_seconds=3_600)
    email = new_email()
    async with AsyncTestClient(app=create_app(settings, backend)) as client:
        await sign_up(client, email)
        client.cookies.clear()
        await post_form(client, "/password/forgot", {"email": email})
        for _ in range(200):
            if (email, "Reset your Encore password") in smtp.received.counts():
                break
            await asyncio.sleep(0.1)
    assert smtp.received.counts()[(email, "Reset your Encore password")] == 1
