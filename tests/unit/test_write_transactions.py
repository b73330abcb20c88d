"""Every transaction the store opens takes SQLite's write lock at BEGIN (`storefront.db.write_transaction`).

A deferred transaction that reads and then writes cannot wait for another writer: when one committed since
its read, SQLite answers "database is locked" at once, without the busy timeout (SQLITE_BUSY_SNAPSHOT), and
the request fails. Seen when saving a seller's company details while the scheduled jobs wrote.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_code_opens_a_deferred_transaction() -> None:
    opened = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "storefront").rglob("*.py"))
              if path.name != "db.py"
              for number, line in enumerate(path.read_text().splitlines(), 1)
              if re.search(r"\.transaction\(\s*\)", line)]
    assert opened == []
