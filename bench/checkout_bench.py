"""Checkouts per second on SQLite and on PostgreSQL: place the order (stock taken by a conditional
UPDATE, one transaction) and pay it (a signed notification: payment, order, ledger, e-mails).

    .venv/bin/python -m bench.checkout_bench [--checkouts 300] [--concurrency 8]

Each database is fresh (a temporary SQLite file; a PostgreSQL database created on 127.0.0.1:5432 and
dropped afterwards), migrated and loaded with the demo catalogue. Accounts and carts are prepared
before the clock starts. Prints figures; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def run(checkouts: int, concurrency: int) -> None:
    import secrets

    from search_index.service import backend_from_settings
    from storefront import manage
    from storefront.app import close_database, open_database
    from storefront.cart import service as carts
    from storefront.orders.placement import DeliveryAddress, place_order
    from storefront.payments.provider import SandboxProvider
    from storefront.payments.service import handle_notification
    from storefront.sellers.tables import Offer
    from storefront.settings import get_settings
    from tests.integration.commerce import make_account

    settings = get_settings()
    await open_database()
    await manage.migrate()
    await manage.seed(3_000)
    backend = backend_from_settings(settings)
    backend.configure()
    provider = SandboxProvider(settings.payment_webhook_secret)
    offers = [o["id"] for o in await Offer.select(Offer.id, Offer.payment_means).where(Offer.stock > 0)
              if "card" in o["payment_means"]][:50]
    await Offer.update({Offer.stock: 1_000_000}).where(Offer.id.is_in(offers))
    jobs = []
    for n in range(checkouts):
        account = await make_account(name=f"Bench {n}")
        cart_id = await carts.create_cart(account["id"])
        await carts.add(cart_id, offers[n % len(offers)], 1)
        jobs.append((account["id"], cart_id))
    address = DeliveryAddress(name="Bench", line1="1 rue du Test", postcode="75001", city="Paris")
    gate = asyncio.Semaphore(concurrency)

    async def checkout(account_id: int, cart_id: str) -> None:
        async with gate:
            placed = await place_order(cart_id=cart_id, account_id=account_id, address=address,
                                       payment_means="card", idempotency_key=secrets.token_hex(16),
                                       settings=settings)
            body, signature = provider.notification(event_id=f"evt_{placed.payment_reference}", succeeded=True,
                                                    payment_reference=placed.payment_reference,
                                                    amount_cents=placed.total_cents, currency="EUR")
            assert await handle_notification(body, signature, provider=provider, settings=settings) == "paid"

    started = time.perf_counter()
    await asyncio.gather(*(checkout(a, c) for a, c in jobs))
    elapsed = time.perf_counter() - started
    kind = "SQLite" if settings.is_sqlite else "PostgreSQL"
    print(f"  {kind:<10} {checkouts} checkouts, {concurrency} at a time: {elapsed:6.2f} s = "
          f"{checkouts / elapsed:6.1f} checkouts/s ({elapsed / checkouts * 1000:.1f} ms each)")
    await close_database()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(run(args.checkouts, args.concurrency))
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    workdir = Path(tempfile.mkdtemp(prefix="encore-checkout-bench-"))
    pg_name = f"encore_bench_{uuid.uuid4().hex[:8]}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    databases = [f"sqlite:///{workdir / 'bench.sqlite3'}", f"postgresql://postgres@127.0.0.1:5432/{pg_name}"]
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{pg_name}"'], check=True)
    try:
        for url in databases:
            env = {**os.environ, "DATABASE_URL": url, "SEARCH_INDEX_DIR": str(workdir / "search")}
            subprocess.run([sys.executable, "-m", "bench.checkout_bench", "--child", "--checkouts",
                            str(args.checkouts), "--concurrency", str(args.concurrency)], env=env, cwd=ROOT,
                           check=True)
    finally:
        subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'], check=False)


if __name__ == "__main__":
    main()
