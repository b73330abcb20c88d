"""When the database cannot answer for a moment: SQLite locked past its busy timeout answers 503 with
Retry-After and gives back what was typed; a PostgreSQL connection lost under a request is retried once."""
from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from litestar.testing import AsyncTestClient

from search_index.service import backend_from_settings
from storefront.app import create_app
from storefront.db import bind_tables, make_engine
from storefront.settings import Settings
from tests.integration.commerce import csrf_from
from tests.integration.test_valid_html import nu_checker as nu_checker  # the fixture

MESSAGE = "My screen flickers since Tuesday & the seller does not answer."


async def test_a_write_locked_past_the_busy_timeout_answers_503_and_keeps_what_was_typed(
        prepared_store: Settings, nu_checker: list[str], tmp_path: Path) -> None:
    path = prepared_store.database_url.removeprefix("sqlite:///")
    previous = bind_tables(make_engine(prepared_store.database_url, busy_timeout_ms=100))
    try:
        async with AsyncTestClient(app=create_app(prepared_store, backend_from_settings(prepared_store))) as client:
            token = csrf_from((await client.get("/contact")).text)
            other_writer = sqlite3.connect(path, isolation_level=None)
            other_writer.execute("BEGIN IMMEDIATE")  # holds the write lock until the end of the test
            try:
                response = await client.post("/contact", data={
                    "_csrf": token, "name": "Camille Martin", "email": "camille@example.com", "topic": "order",
                    "order_reference": "", "message": MESSAGE})
            finally:
                other_writer.rollback()
                other_writer.close()
    finally:
        for table, engine in previous.items():
            table._meta.db = engine
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The shop is busy for a moment" in response.text
    assert 'name="message" value="My screen flickers since Tuesday &amp; the seller does not answer."' in response.text
    assert 'name="email" value="camille@example.com"' in response.text
    assert '<form method="post" action="/contact">' in response.text
    assert response.text.count('name="_csrf"') == 1  # the page's own token, not a second copy of the one sent
    page = tmp_path / "unavailable.html"
    page.write_text(response.text, encoding="utf-8")
    checked = subprocess.run([*nu_checker, str(page)], capture_output=True, text=True, timeout=120)
    assert json.loads(checked.stderr or "{}").get("messages", []) == []


class LosesItsConnectionOnce:
    """Wraps an async function: its first call has the server terminate the connection it runs on (as a restart
    or `pg_terminate_backend` would) inside a transaction, then fails as asyncpg does; later calls run it."""

    def __init__(self, function) -> None:
        self.function = function
        self.calls = 0

    async def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            from storefront.contact.tables import ContactMessage

            async with ContactMessage._meta.db.transaction():
                await ContactMessage.raw("SELECT pg_terminate_backend(pg_backend_pid())")
        return await self.function(*args, **kwargs)


async def test_a_page_whose_connection_is_terminated_is_asked_again_on_a_fresh_one(postgres_store, monkeypatch) -> None:
    from storefront.catalog import queries
    from storefront.catalog.tables import Variant

    variant = await Variant.select(Variant.id).order_by(Variant.id).first()
    lossy = LosesItsConnectionOnce(queries.variant_by_id)
    monkeypatch.setattr(queries, "variant_by_id", lossy)
    async with AsyncTestClient(app=create_app(postgres_store.settings, postgres_store.backend)) as client:
        response = await client.get(f"/media/variant/{variant['id']}.svg")
    assert lossy.calls == 2
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


async def test_a_form_whose_write_lost_its_connection_is_stored_once(postgres_store, monkeypatch) -> None:
    from storefront.contact import service
    from storefront.contact.tables import ContactMessage

    lossy = LosesItsConnectionOnce(service.send_message)
    monkeypatch.setattr(service, "send_message", lossy)
    text = "Lost connection test: the battery drains in two hours."
    async with AsyncTestClient(app=create_app(postgres_store.settings, postgres_store.backend)) as client:
        token = csrf_from((await client.get("/contact")).text)
        response = await client.post("/contact", data={
            "_csrf": token, "name": "Camille Martin", "email": "camille-pg@example.com", "topic": "order",
            "order_reference": "", "message": text}, follow_redirects=False)
    assert lossy.calls == 2
    assert response.status_code == 303
    assert await ContactMessage.count().where(ContactMessage.message == text) == 1


async def test_pages_keep_answering_when_every_connection_is_terminated(postgres_store) -> None:
    import asyncpg

    async with AsyncTestClient(app=create_app(postgres_store.settings, postgres_store.backend)) as client:
        statuses = []
        for _ in range(5):
            statuses.append((await client.get("/search", params={"q": "iphone"})).status_code)
            admin = await asyncpg.connect(postgres_store.settings.database_url)
            try:
                await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            finally:
                await admin.close()
            statuses.append((await client.get("/search", params={"q": "iphone"})).status_code)
    assert statuses == [200] * 10
