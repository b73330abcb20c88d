"""A real server (granian, as `make run` serves it) on a free port, and Debian's headless Chromium."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.csp import LISTEN

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_store(store_template):
    """One copy of the demo store for the browser journeys, session-scoped: they share one server (starting
    one per test would cost seconds), so each journey arranges what it needs and takes nothing another one
    left for granted. The tables point at it for the rest of the session; browser tests run last."""
    from tests.conftest import WORKDIR, bind_store, copy_store, unbind_store

    store = copy_store(store_template, WORKDIR / "browser-store")
    bound = bind_store(store.database_url)
    yield store
    unbind_store(bound)


@pytest.fixture(scope="session")
def live_server(live_store) -> Iterator[str]:
    from tests.conftest import store_environment

    store = live_store
    port = _free_port()
    granian = Path(sys.executable).with_name("granian")
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(granian), "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "storefront.app:create_app"],
        # The address the browser visits is the public one: forms are checked against its origin.
        env={**store_environment(store), "PUBLIC_BASE_URL": url},
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("server did not start: " + (process.stdout.read() or b"").decode()[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Module-scoped: sync Playwright keeps an event loop running in this thread while it is open,
    and the async tests need the thread free of it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def desktop(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script(LISTEN)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script(LISTEN)
    yield context.new_page()
    context.close()


@pytest.fixture
def no_js(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    yield context.new_page()
    context.close()
