"""What webhooks cost: recording an event inside a transition, and posting them to a receiver.

    .venv/bin/python -m bench.webhooks_bench [--events 500]

On a fresh, migrated SQLite database (temporary file): the check every transition makes for a seller without
an endpoint (one EXISTS query), recording an event in a write transaction, then posting `--events` events to a
stdlib HTTP receiver on a loopback port, from one seller (posted in turn) and from 25 sellers (side by side).
Prints figures; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import os
import platform
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


async def measure(events: int) -> None:
    from storefront import manage
    from storefront.app import close_database, open_database
    from storefront.db import write_transaction
    from storefront.sellers.tables import Seller
    from storefront.settings import get_settings
    from storefront.webhooks.endpoints import save_endpoint
    from storefront.webhooks.outbox import receives_events, record_event
    from storefront.webhooks.sender import deliver_due
    from storefront.webhooks.states import EventType
    from storefront.webhooks.tables import WebhookDelivery

    settings = get_settings()
    await open_database()
    with contextlib.redirect_stdout(io.StringIO()):  # the migrations' progress report
        await manage.migrate()
    server = Server(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    sellers = []
    for n in range(26):
        seller = Seller(name=f"Bench {n}", slug=f"bench-{n}", joined_at=dt.datetime.now(dt.UTC))
        await seller.save()
        sellers.append(seller.id)
    quiet, hooked = sellers[0], sellers[1:]
    for seller_id in hooked:
        await save_endpoint(seller_id, url, settings)

    started = time.perf_counter()
    for _ in range(2_000):
        await receives_events(quiet)
    elapsed = time.perf_counter() - started
    print(f"a transition for a seller without an endpoint: {elapsed / 2_000 * 1e6:.0f} µs (one EXISTS query)")

    data = {"seller_order": {"id": 1, "state": "pending", "lines": [{"sku": "BENCH-1", "quantity": 1,
                                                                      "unit_price_cents": 24_900, "currency": "EUR"}]}}
    started = time.perf_counter()
    for _ in range(events):
        async with write_transaction(WebhookDelivery._meta.db):
            await record_event(hooked[0], EventType.order_created, data)
    elapsed = time.perf_counter() - started
    print(f"recording an event, each in its own write transaction: {elapsed / events * 1e3:.2f} ms")

    for label, owners in (("1 seller, posted in turn", hooked[:1]), ("25 sellers, side by side", hooked)):
        if len(owners) > 1:
            for n in range(events):
                await record_event(owners[n % len(owners)], EventType.order_created, data)
        started = time.perf_counter()
        delivered = await deliver_due(settings)
        elapsed = time.perf_counter() - started
        print(f"posting {delivered} events to a loopback receiver, {label}: {elapsed:.2f} s "
              f"({delivered / elapsed:.0f} events/s)")
    server.shutdown()
    await close_database()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="encore-webhooks-bench-"))
    # Before anything reads the settings: a database of its own, and the demo store's address rules (loopback).
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SEARCH_INDEX_DIR"] = str(workdir / "search")
    os.environ["ENCORE_ENV"] = "demo"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    asyncio.run(measure(args.events))


if __name__ == "__main__":
    main()
