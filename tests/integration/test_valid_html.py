"""Every kind of page the demo store links is valid HTML, by the W3C Nu checker (npm `vnu-jar`, run on Java).

The crawl starts at `/` as a visitor, the demo shopper, a demo seller and the operator, follows the links
each of them sees, and validates what it reached in one run of the checker. Pages are grouped by the shape
of their path (the same template with another slug or id), and a few of each shape are kept, so every kind
of page is checked without validating three hundred product pages.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from storefront.accounts.tables import Account
from storefront.demo.accounts import OPERATOR, SHOPPER
from tests.integration.commerce import sign_in

ROOT = Path(__file__).resolve().parents[2]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PER_SHAPE = 3
MAX_PAGES_PER_ROLE = 120
HREF = re.compile(r'href="([^"#][^"]*)"')
# Links that leave, change state when followed, or are not HTML pages.
SKIPPED = ("/static/", "/media/", "/logout", "/dev/")


def shape(path: str) -> str:
    """`/p/apple-iphone-13-128-gb-midnight` and `/p/google-pixel-7-128-gb-obsidian` are one shape."""
    parts = urlsplit(path)
    segments = [re.sub(r"\d+", "N", s) if i else s for i, s in enumerate(parts.path.strip("/").split("/"))]
    if len(segments) > 1 and segments[0] in ("p", "c"):
        segments[1] = "slug"
    query_keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return "/".join(segments) + ("?" + "&".join(query_keys) if query_keys else "")


async def crawl(client: AsyncTestClient) -> dict[str, str]:
    """Path → HTML of the pages reached from `/` by following links, a few of each shape."""
    pages: dict[str, str] = {}
    kept: dict[str, int] = {}
    queue, seen = deque(["/"]), {"/"}
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        response = await client.get(path, follow_redirects=True)
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        pages[path] = response.text
        for href in HREF.findall(response.text):
            link = urldefrag(href.replace("&amp;", "&"))[0]
            if not link.startswith("/") or link.startswith("//") or link.startswith(SKIPPED) or link in seen:
                continue
            seen.add(link)
            key = shape(link)
            if kept.get(key, 0) < PER_SHAPE:
                kept[key] = kept.get(key, 0) + 1
                queue.append(link)
    return pages


@pytest.fixture(scope="module")
def nu_checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail("the Nu checker needs Java and node_modules/vnu-jar (installed by `make test`)")
    return [java, "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json"]


async def test_every_kind_of_page_each_role_reaches_is_valid_html(client: AsyncTestClient, tmp_path: Path,
                                                                  nu_checker: list[str]) -> None:
    seller = await Account.select(Account.id).where(Account.role == "seller").order_by(Account.id).first()
    shopper = await Account.select(Account.id).where(Account.email == SHOPPER[0]).first()
    operator = await Account.select(Account.id).where(Account.email == OPERATOR[0]).first()
    reached: dict[str, str] = {}
    for role, account in (("visitor", None), ("shopper", shopper), ("seller", seller), ("operator", operator)):
        client.cookies.clear()
        if account is not None:
            await sign_in(client, account["id"])
        for path, html in (await crawl(client)).items():
            reached[f"{role} {path}"] = html
    assert len(reached) > 80, "the crawl reached the store's pages"
    files: dict[str, str] = {}
    for number, (where, html) in enumerate(sorted(reached.items())):
        file = tmp_path / f"page{number:04d}.html"
        file.write_text(html, encoding="utf-8")
        files[file.name] = where
    done = subprocess.run([*nu_checker, *(str(tmp_path / name) for name in files)], capture_output=True,
                          text=True, timeout=300)
    messages = json.loads(done.stderr or "{}").get("messages", [])
    errors = [f"{files.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))} line {m.get('lastLine')}: "
              f"{m.get('message')}" for m in messages if m.get("type") in ("error", "non-document-error")]
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors[:400])
