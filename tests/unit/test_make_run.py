"""`make run PORT=…` serves on that port, and every link the store writes must name it too."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def planned_run(*args: str, **env: str) -> list[str]:
    """The commands `make run` would run (make -n runs none of them)."""
    environment = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"} | env
    done = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, env=environment, capture_output=True, text=True,
                          check=True)
    return [line for line in done.stdout.splitlines() if "storefront.manage" in line or "granian" in line]


def test_the_public_address_follows_host_and_port() -> None:
    commands = planned_run("PORT=18101")
    assert commands and all("PUBLIC_BASE_URL=http://127.0.0.1:18101 " in line for line in commands), commands


def test_make_run_serves_the_demo_store() -> None:
    commands = planned_run()
    assert commands and all(line.startswith("ENCORE_ENV=demo ") for line in commands), commands


def test_a_public_address_given_by_the_environment_wins() -> None:
    commands = planned_run("PORT=18101", PUBLIC_BASE_URL="https://shop.example")
    assert commands and all("PUBLIC_BASE_URL=https://shop.example " in line for line in commands), commands
