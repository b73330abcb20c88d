"""Soak: minutes of mixed shop traffic against one server started as `make run` starts it, to see whether it
keeps answering (no 5xx) and whether its memory keeps growing.

    .venv/bin/python -m bench.soak [--seconds 180] [--connections 20] [--store DIR]

The script prepares a demo store of its own in a temporary folder (`manage prepare`, the command `make run`
uses), or takes one already prepared with `--store` (a folder holding encore.sqlite3 and search/), and
serves it with granian on a free loopback port. Then `--connections` connections browse at once, as visits
of 10 to 40 requests each by a new shopper (own cookies, so a cart stays a shopper's size): the home page,
category pages, searches, product pages, adding an offer to the cart (the form's own CSRF token, anonymous at
first and then bound to the cart's session) and the cart. Product and category URLs come from the store's
sitemap. It prints requests per second, the 5xx and other errors, p50/p95 latency per kind of request and
the server's resident memory after the warm-up, at six even intervals and at the end; it asserts nothing.
Other processes on the machine skew every figure: the load average is printed before and after.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx

from bench.server_bench import BIN, ROOT, cpu_model, free_port, load_average, stop_server, wait_until_up

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SEARCHES = ("iphone", "iphone 13", "galaxy", "macbook air", "pixel 128", "ipad", "thinkpad", "watch",
            "samsnug", "airpods", "surface", "xiaomi")
# What one visitor's next request is, by weight: mostly reading, some carts.
MIX = {"home": 8, "category": 20, "search": 20, "product": 35, "add_to_cart": 10, "cart": 7}
TOKEN = re.compile(r'name="_csrf" value="([^"]+)"')
OFFER = re.compile(r'name="offer_id" value="(\d+)"')
# Requests in one visit (one shopper, one set of cookies), at least and at most.
VISIT = (10, 40)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    other_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: int = 0

    def note(self, kind: str, started: float, response: httpx.Response | None, accepted: tuple[int, ...]) -> None:
        self.requests += 1
        self.latencies[kind].append(time.perf_counter() - started)
        if response is None:
            self.other_errors[f"{kind}: no answer"] += 1
        elif response.status_code >= 500:
            self.server_errors[f"{kind}: {response.status_code}"] += 1
        elif response.status_code not in accepted:
            self.other_errors[f"{kind}: {response.status_code}"] += 1


def rss_kib(pid: int) -> int:
    """Resident memory of the server and its worker processes (granian forks one), in KiB."""
    total = 0
    for candidate in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found + [grandchild for child in found for grandchild in children(child)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def prepare_store(folder: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'encore.sqlite3'}",
           "SEARCH_INDEX_DIR": str(folder / "search")}
    if not (folder / "encore.sqlite3").exists():
        print(f"preparing a demo store in {folder} …", flush=True)
        subprocess.run([sys.executable, "-m", "storefront.manage", "prepare"], check=True, cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL)
    return env


def site_urls(base: str) -> tuple[list[str], list[str]]:
    """Product and category paths listed by the sitemap (following an index if it is one)."""
    paths: list[str] = []
    pending = [base + "/sitemap.xml"]
    while pending:
        root = ElementTree.fromstring(httpx.get(pending.pop(), timeout=30).content)
        for loc in root.iter(f"{SITEMAP}loc"):
            url = (loc.text or "").strip()
            # The sitemap names PUBLIC_BASE_URL; the bench asks its own server.
            path = urlsplit(url).path
            if root.tag == f"{SITEMAP}sitemapindex":
                pending.append(base + path)
            else:
                paths.append(path)
    return [p for p in paths if p.startswith("/p/")], [p for p in paths if p.startswith("/c/")]


async def visitor(base: str, until: float, products: list[str], categories: list[str], tally: Tally,
                  seed: int) -> None:
    """One connection's traffic: visits one after another, each a new shopper (no cookies) making VISIT
    requests or so, so carts stay the size a shopper's is and a growing cart is not mistaken for a leak."""
    rng = random.Random(seed)
    while time.perf_counter() < until:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(rng.randint(*VISIT)):
                if time.perf_counter() >= until:
                    break
                await _one_request(client, rng, products, categories, tally)


async def _one_request(client: httpx.AsyncClient, rng: random.Random, products: list[str], categories: list[str],
                       tally: Tally) -> None:
    kind = rng.choices(list(MIX), list(MIX.values()))[0]
    path = {"home": "/", "cart": "/cart", "category": rng.choice(categories),
            "search": f"/search?q={rng.choice(SEARCHES)}", "product": rng.choice(products),
            "add_to_cart": rng.choice(products)}[kind]
    started = time.perf_counter()
    try:
        response: httpx.Response | None = await client.get(path)
    except httpx.HTTPError:
        response = None
    tally.note("product" if kind == "add_to_cart" else kind, started, response, (200,))
    if kind != "add_to_cart" or response is None or response.status_code != 200:
        return
    token, offer = TOKEN.search(response.text), OFFER.search(response.text)
    if not token or not offer:
        return  # nothing on sale on this product right now
    started = time.perf_counter()
    try:
        response = await client.post("/cart/add", data={"_csrf": token.group(1), "offer_id": offer.group(1),
                                                         "quantity": "1"})
    except httpx.HTTPError:
        response = None
    # POST then redirect (303); an offer sold out meanwhile answers the "not added" page (400).
    tally.note("add_to_cart", started, response, (303, 400))


def report(tally: Tally, seconds: float, rss_start: int, rss_end: int, connections: int) -> None:
    print(f"{tally.requests} requests in {seconds:.0f} s with {connections} connections: "
          f"{tally.requests / seconds:.1f} requests/s")
    print(f"5xx: {sum(tally.server_errors.values())} {dict(tally.server_errors) or ''}")
    print(f"other errors: {sum(tally.other_errors.values())} {dict(tally.other_errors) or ''}")
    print(f"{'request':<12} {'count':>7} {'p50 ms':>8} {'p95 ms':>8}")
    everything: list[float] = []
    for kind, values in [*sorted(tally.latencies.items()), ("all", everything)]:
        everything += values if kind != "all" else []
        print(f"{kind:<12} {len(values):>7} {percentile(values, 0.5) * 1000:8.0f} "
              f"{percentile(values, 0.95) * 1000:8.0f}")
    print(f"server RSS: {rss_start / 1024:.1f} MiB after warm-up, {rss_end / 1024:.1f} MiB at the end "
          f"({(rss_end - rss_start) / 1024:+.1f} MiB)")


async def soak(base: str, pid: int, seconds: int, connections: int) -> None:
    products, categories = site_urls(base)
    print(f"{len(products)} product and {len(categories)} category URLs from the sitemap", flush=True)
    # Warm up (templates compiled, connections opened, caches filled) before the first memory reading.
    warm = Tally()
    await asyncio.gather(*(visitor(base, time.perf_counter() + 10, products, categories, warm, 1000 + n)
                           for n in range(connections)))
    rss_start = rss_kib(pid)
    tally = Tally()
    started = time.perf_counter()
    samples: list[int] = []

    async def sample_memory() -> None:
        # A steady climb across the samples is a leak; a step that levels off is a cache filling.
        while True:
            await asyncio.sleep(seconds / 6)
            samples.append(rss_kib(pid))

    sampler = asyncio.create_task(sample_memory())
    await asyncio.gather(*(visitor(base, started + seconds, products, categories, tally, n)
                           for n in range(connections)))
    sampler.cancel()
    report(tally, time.perf_counter() - started, rss_start, rss_kib(pid), connections)
    print("server RSS every", f"{seconds / 6:.0f} s (MiB):", ", ".join(f"{kib / 1024:.1f}" for kib in samples))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--store", type=Path, help="a folder for the store: prepared there unless it already is "
                                                   "(default: a fresh one in a temporary folder)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores ({cpu_model()}); Python {sys.version.split()[0]}; "
          f"granian, as `make run`; load average {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="encore-soak-") as scratch:
        env = prepare_store(args.store or Path(scratch))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["PUBLIC_BASE_URL"] = base
        server = subprocess.Popen([str(BIN / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                                   "--port", str(port), "--log-level", "error", "storefront.app:create_app"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(base + "/")
            asyncio.run(soak(base, server.pid, args.seconds, args.connections))
        finally:
            stop_server(server)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
