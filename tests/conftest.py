"""Test set-up: the demo store is prepared once per session into a template (SQLite file and search
index), and every test gets a fresh copy of both, so no test starts from what another one left.

The store's tables are pointed at the copy through `storefront.db.bind_tables` (`bind_store` below). The
DATABASE_URL set here, which piccolo_conf reads at import, names an empty file: a test that touches a table
without asking for a store fails with "no such table" instead of writing into a shared one.
"""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from piccolo.engine.base import Engine

_WORKDIR = Path(tempfile.mkdtemp(prefix="encore-tests-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_WORKDIR / 'unbound.sqlite3'}"
os.environ["SEARCH_INDEX_DIR"] = str(_WORKDIR / "unbound-search")
os.environ["SEARCH_BACKEND"] = "embedded"
# The tests run the demo store (the payment sandbox, the dev mailbox); subprocesses inherit it. Tests of
# production build their own settings. Litestar's test client sends `Host: testserver.local`.
os.environ["ENCORE_ENV"] = "demo"
os.environ["ALLOWED_HOSTS"] = "testserver.local"
# No sweeping jobs in the apps the tests start: a sweep running beside a test (a review invitation queued,
# the search outbox drained) is work the test did not arrange. Tests of the jobs run them themselves or set
# their own period; mail a request queued is still sent at once.
os.environ["JOBS_INTERVAL_SECONDS"] = "0"

from litestar.testing import AsyncTestClient  # noqa: E402

from search_index.backends import SearchBackend  # noqa: E402
from search_index.service import backend_from_settings  # noqa: E402
from storefront.app import create_app  # noqa: E402
from storefront.settings import Settings, get_settings  # noqa: E402

# No deadline: the suite runs on shared machines, where a slow example is not a failure.
hypothesis_settings.register_profile("encore", deadline=None)
hypothesis_settings.load_profile("encore")

WORKDIR = _WORKDIR
ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = WORKDIR / "template"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys last: the quick HTTP and unit tests report first."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


def store_settings(base: Settings, folder: Path) -> Settings:
    return replace(base, database_url=f"sqlite:///{folder / 'encore.sqlite3'}", search_index_dir=folder / "search",
                   payouts=replace(base.payouts, files_dir=folder / "payouts"),
                   tradein=replace(base.tradein, photos_dir=folder / "tradein-photos"))


def store_environment(settings: Settings) -> dict[str, str]:
    """The environment for a command run in a subprocess on the same store as `settings`."""
    return {**os.environ, "DATABASE_URL": settings.database_url, "SEARCH_INDEX_DIR": str(settings.search_index_dir),
            "PAYOUT_FILES_DIR": str(settings.payouts.files_dir), "TRADEIN_PHOTOS_DIR": str(settings.tradein.photos_dir)}


@pytest.fixture(scope="session")
def store_template() -> Iterator[Settings]:
    """The demo store, prepared once by the command `make run` uses (in a subprocess, so it needs no event
    loop here), its write-ahead log folded into the file so that the file alone is the whole database."""
    settings = store_settings(get_settings(), TEMPLATE)
    subprocess.run([sys.executable, "-m", "storefront.manage", "prepare"], check=True, cwd=ROOT,
                   env=store_environment(settings))
    with sqlite3.connect(TEMPLATE / "encore.sqlite3") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fingerprint = template_fingerprint(settings)
    yield settings
    try:
        assert template_fingerprint(settings) == fingerprint, "a test wrote into the template's search index"
    finally:
        shutil.rmtree(_WORKDIR, ignore_errors=True)


def copy_store(template: Settings, folder: Path, *, link_index: bool = False) -> Settings:
    """A private copy of the prepared store: the database file and the search index folder.

    With `link_index` the index files are hard links, ten times quicker than copies: tantivy never writes
    into an existing file (segments are written once under new names, meta.json is replaced by a rename),
    so a test's writes land in its own folder; `template_fingerprint` checks that at the end of the session.
    """
    folder.mkdir(parents=True)
    shutil.copyfile(template.database_url.removeprefix("sqlite:///"), folder / "encore.sqlite3")
    shutil.copytree(template.search_index_dir, folder / "search",
                    copy_function=os.link if link_index else shutil.copy2)
    return store_settings(template, folder)


def template_fingerprint(template: Settings) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in sorted(Path(template.search_index_dir).rglob("*"))
            if path.is_file() and not path.name.endswith(".lock")}


def bind_store(database_url: str) -> tuple[Engine, dict[type, Engine]]:
    """Every table of the store on a new engine for `database_url`; returns what `unbind_store` needs.
    The one place tests choose an engine, so a change in how engines are made is made here."""
    from storefront.db import bind_tables, make_engine

    engine = make_engine(database_url)
    return engine, bind_tables(engine)


def unbind_store(bound: tuple[Engine, dict[type, Engine]]) -> None:
    _, previous = bound
    for table, old_engine in previous.items():
        table._meta.db = old_engine


@contextmanager
def own_copy(store_template: Settings, prefix: str) -> Iterator[Settings]:
    """A copy of the demo store, the tables bound to it while it lasts, removed afterwards."""
    folder = WORKDIR / f"{prefix}-{uuid.uuid4().hex[:12]}"
    settings = copy_store(store_template, folder, link_index=True)
    bound = bind_store(settings.database_url)
    try:
        yield settings
    finally:
        unbind_store(bound)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def prepared_store(store_template: Settings) -> Iterator[Settings]:
    """A fresh copy of the demo store for this test alone, with the settings that point at it."""
    with own_copy(store_template, "store") as settings:
        yield settings


@pytest.fixture(scope="module")
def module_store(store_template: Settings) -> Iterator[Settings]:
    """A copy of the demo store shared by one module's tests, for a module that builds a costly world once
    and only reads it afterwards (the access matrix); every other test takes `prepared_store`."""
    with own_copy(store_template, "module-store") as settings:
        yield settings


@pytest.fixture
def settings(prepared_store: Settings) -> Settings:
    return prepared_store


@pytest.fixture
def backend(prepared_store: Settings) -> SearchBackend:
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
def postgres_url(store_template: Settings) -> Iterator[str]:
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
async def postgres_store(postgres_url: str, store_template: Settings) -> AsyncIterator[PostgresStore]:
    """The demo catalogue on PostgreSQL with its own search index; tables point there meanwhile.

    One database per test module, not per test: creating, migrating and loading one takes seconds. The
    module's tests therefore only add rows or take sellers off sale, and none counts on another's writes."""
    from search_index import build
    from storefront.demo.generate import generate
    from storefront.demo.load import load

    # No pool: Litestar's test client runs the app on its own event loop, and a pool belongs to one loop.
    bound = bind_store(postgres_url)
    engine = bound[0]
    try:
        settings = replace(store_template, database_url=postgres_url, search_index_dir=WORKDIR / "search-pg")
        backend = backend_from_settings(settings)
        await load(generate(offers=1_500))
        await build.rebuild(backend, settings.ranking)
        yield PostgresStore(settings, engine, backend)
    finally:
        unbind_store(bound)
