"""Two workers on one database send each e-mail exactly once, and a reset e-mail leaves within seconds.

Real processes, as they are deployed: (a) embedded, two store processes (granian) on one SQLite file, each
running the jobs inside; (b) PostgreSQL, a store process that only defers jobs and two procrastinate
workers (`manage worker`) that take them. An SMTP stand-in counts what arrives. The sweeping jobs run
hourly here, so nothing but the wake after a response can send the mail in time.
"""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from storefront.mail.tables import OutboxEmail
from storefront.settings import Settings
from tests.conftest import ROOT, WORKDIR, store_environment
from tests.integration.smtp_standin import SMTPStandIn, free_port
from tests.integration.test_accounts import new_email
from tests.integration.test_job_claims import nothing_waiting

PEOPLE = 6


@contextmanager
def running(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen]:
    log = open(WORKDIR / f"process-{time.monotonic_ns()}.log", "w+b")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def store_process(env: dict[str, str]) -> Iterator[str]:
    """A store served by granian on a free port, as `make run` serves it; yields its address once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    granian = str(Path(sys.executable).with_name("granian"))
    command = [granian, "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "storefront.app:create_app"]
    # Forms are accepted from the public address only, and only its host is answered.
    with running(command, {**env, "PUBLIC_BASE_URL": url}) as process:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(url + "/signup", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the store at {url} did not start")
        yield url


async def post_form(base_url: str, client: httpx.AsyncClient, path: str, data: dict[str, str]) -> None:
    page = await client.get(base_url + path)
    token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert token, f"no CSRF field on {path}"
    answer = await client.post(base_url + path, data={"_csrf": token.group(1), **data})
    assert answer.status_code == 303, answer.text[:500]


async def sign_up_and_forget(sign_up_at: str, reset_at: str, email: str, smtp: SMTPStandIn) -> None:
    """A person signs up through one store process (a confirmation e-mail), then asks another for a reset."""
    async with httpx.AsyncClient(timeout=30) as client:
        await post_form(sign_up_at, client, "/signup",
                        {"email": email, "name": "Ann Lee", "password": "correct horse battery staple"})
    # The account is made just after the sign-up's answer (so that answer reads alike for a taken address):
    # like a real person, ask for the reset once its confirmation e-mail has come.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not received_by(smtp, [email]):
        await asyncio.sleep(0.1)
    async with httpx.AsyncClient(timeout=30) as client:
        await post_form(reset_at, client, "/password/forgot", {"email": email})


async def wait_for(smtp: SMTPStandIn, emails: list[str], seconds: float = 20) -> None:
    """Polls until each of these people got their two e-mails, for `seconds` at most."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and sum(received_by(smtp, emails).values()) < 2 * len(emails):
        await asyncio.sleep(0.2)
    # A duplicate would come from a second sender working at the same time: give it a moment to show.
    await asyncio.sleep(1)


def received_by(smtp: SMTPStandIn, emails: list[str]) -> dict[tuple[str, str], int]:
    """What these people received (the store's own jobs also send the demo buyers their review invitations)."""
    return {key: count for key, count in smtp.received.counts().items() if key[0] in emails}


def expected_mail(emails: list[str]) -> dict[tuple[str, str], int]:
    return {**{(email, "Confirm your Encore account"): 1 for email in emails},
            **{(email, "Reset your Encore password"): 1 for email in emails}}


async def test_two_store_processes_on_one_sqlite_file_send_each_e_mail_once(prepared_store: Settings,
                                                                           smtp: SMTPStandIn) -> None:
    await nothing_waiting()
    env = {**store_environment(prepared_store), **smtp.environment(), "JOBS_INTERVAL_SECONDS": "3600"}
    emails = [new_email() for _ in range(PEOPLE)]
    with store_process(env) as first, store_process(env) as second:
        stores = [first, second]
        await asyncio.gather(*(sign_up_and_forget(stores[n % 2], stores[(n + 1) % 2], email, smtp)
                               for n, email in enumerate(emails)))
        await wait_for(smtp, emails)
    assert received_by(smtp, emails) == expected_mail(emails)
    assert await OutboxEmail.count().where(OutboxEmail.to_address.is_in(emails)) == 2 * PEOPLE
    unsent = OutboxEmail.to_address.is_in(emails) & OutboxEmail.sent_at.is_null()
    assert await OutboxEmail.count().where(unsent) == 0


async def test_two_queue_workers_on_one_postgresql_database_send_each_e_mail_once(postgres_url: str,
                                                                                 smtp: SMTPStandIn) -> None:
    env = {**os.environ, "DATABASE_URL": postgres_url, "SEARCH_INDEX_DIR": str(WORKDIR / "search-two-workers"),
           **smtp.environment(), "JOBS_INTERVAL_SECONDS": "3600", "JOB_QUEUE": "procrastinate"}
    # The release step applies the queue's schema beside the store's (the fixture migrated without it).
    subprocess.run([sys.executable, "-m", "storefront.manage", "migrate"], check=True, env=env, cwd=ROOT)
    worker = [sys.executable, "-m", "storefront.manage", "worker"]
    emails = [new_email() for _ in range(PEOPLE)]
    with running(worker, env), running(worker, env), store_process(env) as store:
        await asyncio.gather(*(sign_up_and_forget(store, store, email, smtp) for email in emails))
        await wait_for(smtp, emails)
    assert received_by(smtp, emails) == expected_mail(emails)
