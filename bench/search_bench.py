"""Search latency at benchmark scale: 100,000 offers loaded into a fresh SQLite database, documents
built by the store's own pipeline, indexed by the embedded engine, then timed queries.

    .venv/bin/python -m bench.search_bench [--offers 100000] [--runs 300]

Prints p50/p95 per query kind and the machine it ran on; asserts nothing about time.
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

WORKDIR = Path(tempfile.mkdtemp(prefix="encore-bench-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
os.environ["SEARCH_INDEX_DIR"] = str(WORKDIR / "search")
os.environ["SEARCH_BACKEND"] = "embedded"

from search_index import build  # noqa: E402
from search_index.fallback import search_database  # noqa: E402
from search_index.query import SearchQuery  # noqa: E402
from search_index.service import backend_from_settings, search  # noqa: E402
from search_index.suggestions import suggest  # noqa: E402
from storefront import manage  # noqa: E402
from storefront.settings import get_settings  # noqa: E402

QUERIES = {
    "typo query 'iphnoe 13'": SearchQuery(text="iphnoe 13"),
    "typo query 'samsnug galxy'": SearchQuery(text="samsnug galxy"),
    "filtered + sorted (brand, grade, price, price_asc)": SearchQuery(
        brands=("apple", "samsung"), grade="good", price_min=20_000, price_max=80_000, sort="price_asc"),
    "category + storage, rating sort, page 3": SearchQuery(
        category="smartphones", storages=("128 GB",), sort="rating", page=3),
    "facets only (empty query)": SearchQuery(),
    "joined words 'galaxy s21 256gb'": SearchQuery(text="galaxy s21 256gb"),
    "abbreviation 'ps5'": SearchQuery(text="ps5"),
}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, samples_ms: list[float]) -> None:
    print(f"  {label:<58} p50 {statistics.median(samples_ms):7.2f} ms   p95 {percentile(samples_ms, 0.95):7.2f} ms")


async def main(offers: int, runs: int) -> None:
    settings = get_settings()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
          f"Python {sys.version.split()[0]}")
    started = time.perf_counter()
    await manage.migrate()
    await manage.seed(offers)
    print(f"loaded {offers:,} offers into SQLite in {time.perf_counter() - started:.1f} s")
    backend = backend_from_settings(settings)
    started = time.perf_counter()
    documents, _ = await build.build_documents(settings.ranking)
    built = time.perf_counter() - started
    backend.configure()
    started = time.perf_counter()
    backend.replace_all(documents)
    indexed = time.perf_counter() - started
    print(f"built {len(documents):,} product documents in {built:.1f} s, indexed in {indexed:.1f} s")

    print(f"engine search ({runs} runs each, embedded tantivy backend):")
    for label, query in QUERIES.items():
        backend.search(query)
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            backend.search(query)
            samples.append((time.perf_counter_ns() - t0) / 1e6)
        report(label, samples)

    print(f"whole results page: engine + ranking re-rank of {48} products ({runs} runs each):")
    for label, query in list(QUERIES.items())[:3]:
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            await search(backend, settings, query)
            samples.append((time.perf_counter_ns() - t0) / 1e6)
        report(label, samples)

    suggestion_runs = max(1, runs // 10)
    print(f"a search that finds nothing, then its suggestions ({suggestion_runs} runs each):")
    for text in ("galaxy s21 xyzzy", "tablette"):
        samples = []
        for _ in range(suggestion_runs):
            t0 = time.perf_counter_ns()
            await search(backend, settings, SearchQuery(text=text))
            await suggest(backend, settings, SearchQuery(text=text))
            samples.append((time.perf_counter_ns() - t0) / 1e6)
        report(f"'{text}'", samples)

    fallback_runs = max(1, runs // 10)
    print(f"database fallback, engine down: one query, documents for the page only ({fallback_runs} runs each):")
    for label, query in QUERIES.items():
        samples = []
        for _ in range(fallback_runs):
            t0 = time.perf_counter_ns()
            await search_database(query, settings.ranking)
            samples.append((time.perf_counter_ns() - t0) / 1e6)
        report(label, samples)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    try:
        asyncio.run(main(args.offers, args.runs))
    finally:
        import shutil

        shutil.rmtree(WORKDIR, ignore_errors=True)
