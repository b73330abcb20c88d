"""What the throttles cost, and whether account answers take the same time for every address.

    .venv/bin/python -m bench.throttle_bench [--keys 50000] [--stock-keys 10000] [--requests 200]

1. Throttle hits with many keys counted (each hit a new address, the event loop given a turn between hits
   as a server gives it between requests): `limits`' stock memory storage against `BoundedMemoryStorage`.
2. Reset requests and sign-ups for an address with an account and for one without, through the whole app
   (ASGI called directly, on a fresh migrated SQLite database in a temporary folder): the time until the last
   byte of the response is sent, which is what the person waits for and could measure; the background work
   (lookup, token, e-mail, password hash) runs after it and is timed apart.
Prints figures; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode


async def hits(storage, keys: int) -> list[float]:
    from storefront.throttle import Throttle

    throttle = Throttle.of("bench", "3 per hour", storage, secret="bench")
    per_hit = []
    for n in range(keys):
        started = time.perf_counter()
        await throttle.hit(f"someone-{n}@example.com")
        await asyncio.sleep(0)  # a server lets other tasks run between requests: the stock sweep runs here
        per_hit.append(time.perf_counter() - started)
    return per_hit


async def throttle_figures(keys: int, stock_keys: int) -> None:
    from limits.aio.storage import MemoryStorage

    from storefront.throttle import BoundedMemoryStorage

    print("## distinct keys, one hit each (the time of a hit and of the event loop's next turn)")
    for name, storage, count in (("limits MemoryStorage", MemoryStorage(), stock_keys),
                                 ("BoundedMemoryStorage", BoundedMemoryStorage(), keys)):
        started = time.perf_counter()
        per_hit = await hits(storage, count)
        total = time.perf_counter() - started
        last = sorted(per_hit[-1000:])
        print(f"{name:22} {count:7,} keys: total {total:6.2f} s, mean {statistics.mean(per_hit) * 1e6:8.1f} µs/hit, "
              f"last 1,000 hits p50 {last[500] * 1e6:8.1f} µs")


async def answer_time(app, path: str, form: dict[str, str]) -> tuple[float, float]:
    """(seconds until the response's last byte, seconds until the background work ended)."""
    body = urlencode(form).encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/x-www-form-urlencoded"),
                         (b"content-length", str(len(body)).encode())],
             "client": ("203.0.113.7", 50000), "server": ("127.0.0.1", 8000)}
    answered = 0.0
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        nonlocal answered
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered = time.perf_counter()

    started = time.perf_counter()
    await app(scope, receive, send)
    return answered - started, time.perf_counter() - started


async def account_figures(requests: int) -> None:
    from dataclasses import replace

    from storefront.accounts import service
    from storefront.app import close_database, create_app, open_database
    from storefront.manage import migrate
    from storefront.settings import ThrottleRules, get_settings
    from storefront.web import csrf
    from storefront.web.viewer import ANONYMOUS

    settings = replace(get_settings(), jobs_interval_seconds=0, active_recipients_flush_seconds=0,
                       throttles=ThrottleRules(account_mail_per_address="1000000 per hour",
                                               account_requests_per_client="1000000 per hour"))
    await open_database(settings)
    try:
        await migrate()
        known = "known@example.com"
        await service.ensure_account(known, "Known Person", "a long enough password")
        app = create_app(settings)
        token = csrf.issue(settings.secret_key, ANONYMOUS)
        print(f"\n## {requests} requests per path, alternating, on SQLite")
        print("| Request | answered, mean | answered, p50 | background done, mean |")
        print("| --- | --- | --- | --- |")
        cases = [
            ("reset, address with an account", "/password/forgot", lambda n: {"email": known}),
            ("reset, address without", "/password/forgot", lambda n: {"email": f"nobody{n}@example.com"}),
            ("sign-up, address taken", "/signup",
             lambda n: {"email": known, "name": "Someone", "password": "another long password"}),
            ("sign-up, new address", "/signup",
             lambda n: {"email": f"new{n}@example.com", "name": "Someone", "password": "another long password"}),
        ]
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in cases}
        for n in range(requests):
            for name, path, form in cases:
                figures[name].append(await answer_time(app, path, {"_csrf": token, **form(n)}))
        for name, _, _ in cases:
            answered = [a for a, _ in figures[name]]
            done = [d for _, d in figures[name]]
            print(f"| {name} | {statistics.mean(answered) * 1e3:.2f} ms | "
                  f"{statistics.median(answered) * 1e3:.2f} ms | {statistics.mean(done) * 1e3:.2f} ms |")
    finally:
        await close_database()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=50_000)
    # The stock storage sweeps every key after every hit: 50,000 would take a quarter of an hour.
    parser.add_argument("--stock-keys", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs")
    asyncio.run(throttle_figures(args.keys, args.stock_keys))
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        os.environ["SEARCH_INDEX_DIR"] = str(Path(folder) / "search")
        asyncio.run(account_figures(args.requests))


if __name__ == "__main__":
    main()
