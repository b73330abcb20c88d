"""Bytes on the wire: the product, search, category and home pages and the static files, as the app sends
them uncompressed, gzip-encoded and brotli-encoded, and what a first and a return visit cost.

    .venv/bin/python -m bench.transfer_bench

Asks the app in-process (Litestar's test client, the whole middleware stack) on the database and index
that `make run` prepared under var/. The sizes do not depend on the machine; the compression times do, and
are the median of 50 runs of the same compressor settings on the page's bytes. Asserts nothing.
"""
from __future__ import annotations

import gzip
import logging
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable

import brotli
from litestar.testing import TestClient

from bench.server_bench import PAGES, cpu_model, load_average
from storefront.app import create_app
from storefront.web.transfer import COMPRESSION

ENCODINGS = {"identity": "identity", "gzip": "gzip", "br": "gzip, deflate, br"}


def wire_bytes(client: TestClient, path: str, accept: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Body bytes as sent (before the client decodes them) and the encoding they were sent in."""
    with client.stream("GET", path, headers={"Accept-Encoding": accept, **(headers or {})}) as response:
        body = b"".join(response.iter_raw())
        return len(body), response.headers.get("content-encoding", "identity")


def median_ms(compress: Callable[[], bytes]) -> float:
    times = []
    for _ in range(50):
        start = time.perf_counter()
        compress()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores ({cpu_model()}); Python {sys.version.split()[0]}; "
          f"load average {load_average()}")
    app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the table
    with TestClient(app=app) as client:
        home = client.get("/").text
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', home.split("</head>")[0])
        print(f"\n{'what':<34} {'identity':>9} {'gzip':>7} {'br':>7} {'br/gzip':>8} {'gzip ms':>8} {'br ms':>6}")
        sizes: dict[str, dict[str, int]] = {}
        for name, path in [*PAGES.items(), *((asset.split("/")[-1], asset) for asset in assets)]:
            sizes[name] = {}
            for encoding, accept in ENCODINGS.items():
                size, sent_as = wire_bytes(client, path, accept)
                sizes[name][encoding] = size
                assert sent_as in (encoding, "identity"), f"{path}: asked {encoding}, got {sent_as}"
            body = client.get(path, headers={"Accept-Encoding": "identity"}).content
            gzip_ms = median_ms(lambda body=body: gzip.compress(body, COMPRESSION.gzip_compress_level))
            br_ms = median_ms(lambda body=body: brotli.compress(body, quality=COMPRESSION.brotli_quality))
            row = sizes[name]
            print(f"{name:<34} {row['identity']:>9,} {row['gzip']:>7,} {row['br']:>7,} "
                  f"{row['br'] / row['gzip']:>8.2f} {gzip_ms:>8.2f} {br_ms:>6.2f}")

        product = PAGES["product"]
        etag = client.get(product, headers={"Accept-Encoding": "br"}).headers["etag"]
        again = client.get(product, headers={"Accept-Encoding": "br", "If-None-Match": etag})
        first_visit = sum(row["br"] for row in sizes.values()) - sum(sizes[p]["br"] for p in PAGES if p != "product")
        print(f"\nfirst visit, product page and its files, brotli: {first_visit:,} bytes of bodies")
        print(f"next product page, files kept as immutable: {sizes['product']['br']:,} bytes")
        print(f"the same product page asked again with its ETag: {again.status_code}, {len(again.content)} bytes")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
