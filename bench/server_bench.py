"""The product, search, category and home pages served by one worker (granian, as `make run` serves), loaded
by wrk (Debian's `wrk`, installed by `make bench`) from this machine's loopback.

    .venv/bin/python -m bench.server_bench [--seconds 10] [--connections 32] [--server uvicorn]

For each page: one connection at a time, so the median is the time one page costs on an otherwise idle
worker; then `--connections` at once, so requests per second is what one worker sustains (its median
is mostly time spent queueing). Uses the database and index that `make run` prepared under var/. Prints
the load average before and after: other processes on the machine skew every figure; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PAGES = {
    "product": "/p/apple-iphone-13-128-gb-midnight",
    "search": "/search?q=iphone",
    "category": "/c/smartphones",
    "home": "/",
}
SERVERS = {
    "granian": [str(BIN / "granian"), "--interface", "asgi", "--factory", "--workers", "1", "--log-level", "error",
                "--host", "127.0.0.1", "--port", "{port}", "storefront.app:create_app"],
    "uvicorn": [str(BIN / "uvicorn"), "--factory", "--workers", "1", "--log-level", "error", "--no-access-log",
                "--host", "127.0.0.1", "--port", "{port}", "storefront.app:create_app"],
}


def stop_server(server: subprocess.Popen) -> None:
    """Ctrl-C, as a person stops `make run`; killed if it has not stopped within ten seconds."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def wrk(url: str, *, connections: int, seconds: int) -> tuple[float, str, str]:
    """Requests per second, median and 99th percentile latency, as wrk prints them."""
    threads = min(2, connections)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} responses were not 2xx or 3xx")
    return float(rps.group(1)) if rps else 0.0, p50.group(1) if p50 else "?", p99.group(1) if p99 else "?"


def run(server_name: str, seconds: int, connections: int) -> None:
    port = free_port()
    command = [part.format(port=port) for part in SERVERS[server_name]]
    # The demo store `make run` prepared: its development secrets are refused by production, the default.
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "ENCORE_ENV": "demo"}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + PAGES["home"])
        print(f"{'page':<9} {'alone: req/s':>12} {'p50':>8}   {f'{connections} at once: req/s':>20} {'p50':>8} "
              f"{'p99':>8}")
        for name, path in PAGES.items():
            url = base + path
            wrk(url, connections=4, seconds=2)  # warm up: caches, pools, the page's templates
            alone_rps, alone_p50, _ = wrk(url, connections=1, seconds=max(3, seconds // 2))
            rps, p50, p99 = wrk(url, connections=connections, seconds=seconds)
            print(f"{name:<9} {alone_rps:12.1f} {alone_p50:>8}   {rps:20.1f} {p50:>8} {p99:>8}", flush=True)
    finally:
        stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server", choices=sorted(SERVERS), default="granian")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs it")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores ({cpu_model()}); Python {sys.version.split()[0]}; "
          f"{args.server}, one worker; load average {load_average()}")
    run(args.server, args.seconds, args.connections)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
