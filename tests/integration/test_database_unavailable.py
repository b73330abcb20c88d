"""When the database cannot answer for a moment: SQLite locked past its busy timeout answers 503 with
Retry-After and gives back what was typed; a PostgreSQL connection lost under a request is retried once."""
from __future__ import annotations

import sqlite3

from litestar.testing import AsyncTestClient

from search_index.service import backend_from_settings
from storefront.app import create_app
from storefront.db import bind_tables, make_engine
from storefront.settings import Settings
from tests.integration.commerce import csrf_from

MESSAGE = "My screen flickers since Tuesday & the seller does not answer."


async def test_a_write_locked_past_the_busy_timeout_answers_503_and_keeps_what_was_typed(
        prepared_store: Settings) -> None:
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
