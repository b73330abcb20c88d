"""Test set-up: a private SQLite database and search index, made before anything imports the store.

The demo catalogue is loaded once per session; tests that change data put it back.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

_WORKDIR = Path(tempfile.mkdtemp(prefix="encore-tests-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_WORKDIR / 'encore.sqlite3'}"
os.environ["SEARCH_INDEX_DIR"] = str(_WORKDIR / "search")
os.environ["SEARCH_BACKEND"] = "embedded"

from litestar.testing import AsyncTestClient  # noqa: E402

from search_index.service import backend_from_settings  # noqa: E402
from storefront.app import create_app  # noqa: E402
from storefront.settings import Settings, get_settings  # noqa: E402

WORKDIR = _WORKDIR


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys last: the quick HTTP and unit tests report first."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def prepared_store(settings: Settings) -> Iterator[Settings]:
    """Migrated database with the demo catalogue and a built search index, shared by the session.

    Prepared by the same command `make run` uses, in a subprocess, so it needs no event loop here.
    """
    subprocess.run([sys.executable, "-m", "storefront.manage", "prepare"], check=True, cwd=ROOT)
    yield settings
    shutil.rmtree(_WORKDIR, ignore_errors=True)


@pytest.fixture(scope="session")
def backend(prepared_store: Settings):
    return backend_from_settings(prepared_store)


@pytest.fixture
async def client(prepared_store: Settings, backend) -> AsyncIterator[AsyncTestClient]:
    app = create_app(prepared_store, backend)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


class PostgresStore:
    def __init__(self, settings: Settings, engine, backend) -> None:
        self.settings = settings
        self.engine = engine
        self.backend = backend

    @staticmethod
    def query(**kwargs):
        from search_index.query import SearchQuery

        return SearchQuery(**kwargs)


def _postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def postgres_url(prepared_store: Settings) -> Iterator[str]:
    """A database of its own on the local PostgreSQL, migrated by `manage migrate`, dropped afterwards."""
    if not _postgres_available():
        if os.environ.get("ENCORE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (ENCORE_REQUIRE_POSTGRES=1) but 127.0.0.1:5432 does not answer")
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    name = f"encore_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "storefront.manage", "migrate"], check=True, env=env, cwd=ROOT)
        yield url
    finally:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


@pytest.fixture(scope="module")
async def postgres_store(postgres_url: str, prepared_store: Settings) -> AsyncIterator[PostgresStore]:
    """The demo catalogue on PostgreSQL with its own search index; tables point there meanwhile."""
    from dataclasses import replace

    from search_index import build
    from storefront.db import bind_tables, make_engine
    from storefront.demo.generate import generate
    from storefront.demo.load import load

    # No pool: Litestar's test client runs the app on its own event loop, and a pool belongs to one loop.
    engine = make_engine(postgres_url)
    previous = bind_tables(engine)
    try:
        settings = replace(prepared_store, database_url=postgres_url, search_index_dir=WORKDIR / "search-pg")
        backend = backend_from_settings(settings)
        await load(generate(offers=1_500))
        await build.rebuild(backend, settings.ranking)
        yield PostgresStore(settings, engine, backend)
    finally:
        for table, old_engine in previous.items():
            table._meta.db = old_engine
