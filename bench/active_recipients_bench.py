"""What counting active recipients (DSA Art. 24(2)) costs: per request, and per flush on SQLite.

    .venv/bin/python -m bench.active_recipients_bench [--requests 50000]

Per request: the counting middleware around a trivial ASGI app that answers 200 text/html, called directly
(no server, no network), against the same app without the middleware; a browser's usual headers. Per flush:
10,000 and 100,000 distinct visitors written as marks into a fresh, migrated SQLite database (temporary
file), the longest pause the flush caused the event loop, then the roll-up of the larger month.
Prints figures; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import asyncio
import calendar
import contextlib
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HEADERS = [
    (b"host", b"encore.example"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"accept-language", b"fr-FR,fr;q=0.8,en-US;q=0.5,en;q=0.3"),
    (b"accept-encoding", b"gzip, deflate, br, zstd"),
    (b"referer", b"https://encore.example/c/smartphones"),
    (b"sec-fetch-dest", b"document"),
    (b"sec-fetch-mode", b"navigate"),
    (b"sec-fetch-site", b"same-origin"),
    (b"upgrade-insecure-requests", b"1"),
]


async def page(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})


async def receive() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message) -> None:
    return None


def scope_for(visitor: int) -> dict:
    from storefront.web.viewer import ANONYMOUS

    headers = list(HEADERS)
    headers[1] = (b"user-agent", HEADERS[1][1] + str(visitor).encode())
    return {"type": "http", "method": "GET", "path": "/p/apple-iphone-13-128-gb-midnight", "headers": headers,
            "client": ("203.0.113.7", 50000), "state": {"viewer": ANONYMOUS}}


async def time_calls(app, scopes: list[dict]) -> list[float]:
    """Microseconds per call, one measurement per call."""
    clock = time.perf_counter_ns
    timings = []
    for scope in scopes:
        started = clock()
        await app(scope, receive, send)
        timings.append((clock() - started) / 1_000)
    return timings


def describe(timings: list[float]) -> str:
    quantiles = statistics.quantiles(timings, n=20)
    return f"p50 {statistics.median(timings):5.2f} µs   p95 {quantiles[18]:5.2f} µs"


async def request_cost(requests: int) -> None:
    from storefront.audience.buffer import RecipientBuffer
    from storefront.web.audience import ActiveRecipientMiddleware

    repeat = [scope_for(0)] * requests
    distinct = [scope_for(n) for n in range(requests)]
    counted = ActiveRecipientMiddleware(RecipientBuffer())(page)
    for app in (page, counted):  # warm up
        await time_calls(app, repeat[:2_000])
    rows = [
        ("without the middleware", page, repeat),
        ("counted, visitor already in the buffer", counted, repeat),
        ("counted, a new visitor each time", ActiveRecipientMiddleware(RecipientBuffer())(page), distinct),
    ]
    print(f"per request ({requests:,} calls each):")
    baseline = None
    for label, app, scopes in rows:
        timings = await time_calls(app, scopes)
        median = statistics.median(timings)
        extra = "" if baseline is None else f"   (+{median - baseline:.2f} µs at p50)"
        baseline = median if baseline is None else baseline
        print(f"  {label:<40} {describe(timings)}{extra}")


async def flush_cost() -> None:
    from storefront import manage
    from storefront.app import close_database, open_database
    from storefront.audience.buffer import RecipientBuffer, month_bounds
    from storefront.audience.service import flush, roll_up

    await open_database()
    with contextlib.redirect_stdout(io.StringIO()):  # the migrations' progress report
        await manage.migrate()
    print("flush into SQLite (fresh database, WAL):")
    for index, visitors in enumerate((10_000, 100_000)):
        month_start = month_bounds(calendar.timegm((2020, index + 1, 15, 12, 0, 0)))[1]
        buffer = RecipientBuffer(clock=lambda start=month_start: start + 3600)
        for n in range(visitors):
            # A tenth signed in, the rest anonymous; addresses and browsers as varied as real ones.
            buffer.note(f"198.51.{n // 256 % 256}.{n % 256}", HEADERS[1][1].decode() + str(n),
                        "fr-FR,fr;q=0.9", n if n % 10 == 0 else None)
        longest_pause = 0.0

        async def watch_loop() -> None:
            nonlocal longest_pause
            last = time.perf_counter()
            while True:
                await asyncio.sleep(0)
                now = time.perf_counter()
                longest_pause, last = max(longest_pause, now - last), now

        watcher = asyncio.create_task(watch_loop())
        started = time.perf_counter()
        await flush(buffer)
        elapsed = time.perf_counter() - started
        watcher.cancel()
        print(f"  {visitors:>7,} distinct visitors: {elapsed * 1000:8.0f} ms "
              f"({elapsed / visitors * 1e6:.1f} µs each); longest event-loop pause {longest_pause * 1000:.1f} ms")
    started = time.perf_counter()
    counted = await roll_up()
    elapsed = time.perf_counter() - started
    print(f"  roll-up of {len(counted)} months ({', '.join(f'{m}: {n:,}' for m, n in counted)}): "
          f"{elapsed * 1000:.0f} ms")
    await close_database()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="encore-audience-bench-"))
    # Before anything reads the settings: the flush writes into a database of its own.
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SEARCH_INDEX_DIR"] = str(workdir / "search")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    asyncio.run(request_cost(args.requests))
    asyncio.run(flush_cost())


if __name__ == "__main__":
    main()
