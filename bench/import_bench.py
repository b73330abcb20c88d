"""Importing 10,000 offers from a CSV file: reading the upload, checking it into a preview, applying it.

    .venv/bin/python -m bench.import_bench [--rows 10000] [--postgres]

A fresh database (a temporary SQLite file; with --postgres also a PostgreSQL database created on
127.0.0.1:5432 and dropped afterwards), migrated and loaded with the demo catalogue. A new referenced seller
imports a file of `--rows` offers for real catalogue variants (every one new), then the same file with
every price and stock changed, through the functions the portal's handlers and the `offer-imports` job
call (storefront.sellers.offer_import). The search reindexing that follows an import (after the response,
by the outbox) is not timed. Prints figures; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def offers_file(variants: list[int], rows: int, change: int = 0) -> bytes:
    from storefront.sellers.listings import OFFER_COLUMNS

    lines = [",".join(OFFER_COLUMNS)]
    for n in range(rows):
        price = 10_000 + (n % 400) * 100 + change
        lines.append(f"BENCH-{n:06d},{variants[n % len(variants)]},{('premium', 'excellent', 'good', 'fair')[n % 4]},"
                     f"{price // 100}.{price % 100:02d},{(n % 20) + change},4.90,3,12,{80 + n % 21},"
                     f"{'yes' if n % 3 == 0 else 'no'},\"card,paypal\",\"Tested, cleaned; light marks on the frame.\"")
    return ("\r\n".join(lines) + "\r\n").encode()


async def timed_import(seller_id: int, data: bytes) -> dict[str, float]:
    from storefront.sellers import offer_import
    from storefront.sellers.offer_csv import read_upload

    figures: dict[str, float] = {}
    started = time.perf_counter()
    upload = read_upload(data)
    import_id = await offer_import.start_import(seller_id, upload, "bench.csv")
    figures["read and keep the upload"] = time.perf_counter() - started
    mark = time.perf_counter()
    assert await offer_import.check_import(import_id)
    figures["check: preview"] = time.perf_counter() - mark
    view = await offer_import.import_view(seller_id, import_id)
    assert view["counts"]["rejected"] == 0, view["rejected_rows"][:3]
    mark = time.perf_counter()
    await offer_import.request_apply(seller_id, import_id)
    assert await offer_import.apply_import(import_id)
    figures["apply: one transaction"] = time.perf_counter() - mark
    figures["total"] = time.perf_counter() - started
    view = await offer_import.import_view(seller_id, import_id)
    assert view["state"] == "applied", view["message"]
    figures["created"], figures["changed"] = view["counts"]["create"], view["counts"]["change"]
    return figures


async def run(rows: int) -> None:
    from storefront import manage
    from storefront.app import close_database, open_database
    from storefront.catalog.tables import Variant
    from storefront.sellers.tables import Seller
    from storefront.settings import get_settings

    settings = get_settings()
    await open_database()
    await manage.migrate()
    await manage.seed(3_000)
    variants = [v["id"] for v in await Variant.select(Variant.id).where(
        Variant.model._.is_dereferenced.eq(False)).order_by(Variant.id)]
    tag = uuid.uuid4().hex[:6]
    seller = Seller(name=f"Bench {tag}", slug=f"bench-{tag}", status="referenced", self_certified=True,
                    joined_at=dt.datetime.now(dt.UTC))
    await seller.save()
    kind = "SQLite" if settings.is_sqlite else "PostgreSQL"
    for label, data in (("new offers", offers_file(variants, rows)),
                        ("every offer changed", offers_file(variants, rows, change=1))):
        figures = await timed_import(seller.id, data)
        print(f"  {kind:<10} {rows:,} rows, {label} ({len(data) / 1e6:.1f} MB, {len(variants)} variants): "
              f"created {figures.pop('created'):,.0f}, changed {figures.pop('changed'):,.0f}")
        for name, seconds in figures.items():
            print(f"    {name:<28} {seconds:6.2f} s")
    await close_database()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL at 127.0.0.1:5432")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(run(args.rows))
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python {sys.version.split()[0]}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    workdir = Path(tempfile.mkdtemp(prefix="encore-import-bench-"))
    databases = [f"sqlite:///{workdir / 'bench.sqlite3'}"]
    pg_name = f"encore_bench_{uuid.uuid4().hex[:8]}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    if args.postgres:
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{pg_name}"'], check=True)
        databases.append(f"postgresql://postgres@127.0.0.1:5432/{pg_name}")
    try:
        for url in databases:
            env = {**os.environ, "DATABASE_URL": url, "SEARCH_INDEX_DIR": str(workdir / "search")}
            subprocess.run([sys.executable, "-m", "bench.import_bench", "--child", "--rows", str(args.rows)],
                           env=env, cwd=ROOT, check=True)
    finally:
        if args.postgres:
            subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'], check=False)


if __name__ == "__main__":
    main()
