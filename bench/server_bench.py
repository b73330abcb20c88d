"""Granian against uvicorn on the product page: same app, same database, one worker each, loaded by
wrk (Debian's `wrk`, installed by `make bench`) from this machine's loopback.

    .venv/bin/python -m bench.server_bench [--seconds 10] [--connections 32]

Uses the database and index that `make run` prepared under var/. Prints requests per second and
latency percentiles per server; asserts nothing about time.
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
PATH = "/p/apple-iphone-13-128-gb-midnight"
SERVERS = {
    "granian": [str(BIN / "granian"), "--interface", "asgi", "--factory", "--workers", "1", "--log-level", "error",
                "--host", "127.0.0.1", "--port", "{port}", "storefront.app:create_app"],
    "uvicorn": [str(BIN / "uvicorn"), "--factory", "--workers", "1", "--log-level", "error", "--no-access-log",
                "--host", "127.0.0.1", "--port", "{port}", "storefront.app:create_app"],
}


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


def run(name: str, seconds: int, connections: int) -> None:
    port = free_port()
    command = [part.format(port=port) for part in SERVERS[name]]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}{PATH}"
    try:
        wait_until_up(url)
        subprocess.run(["wrk", "-t1", "-c4", "-d2s", url], capture_output=True, check=True)  # warm up
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(f"  {name:<8} {float(rps.group(1)) if rps else 0:8.1f} req/s   p50 {p50.group(1) if p50 else '?':>8}   "
          f"p99 {p99.group(1) if p99 else '?':>8}   non-2xx {errors.group(1) if errors else 0}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs it")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python {sys.version.split()[0]}; "
          f"GET {PATH}, {args.connections} connections, {args.seconds} s, one worker")
    for name in SERVERS:
        run(name, args.seconds, args.connections)


if __name__ == "__main__":
    main()
