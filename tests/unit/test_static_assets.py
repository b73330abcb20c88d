"""The manifest of static files: URLs follow the bytes of a file, not its date."""
from __future__ import annotations

import os
import re
from pathlib import Path

from storefront.web.static_assets import StaticAssets


def folder_with(tmp_path: Path, name: str, files: dict[str, bytes], mtime: int) -> Path:
    folder = tmp_path / name
    for path, body in files.items():
        file = folder / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(body)
        os.utime(file, (mtime, mtime))
    return folder


def test_two_hosts_with_the_same_bytes_but_other_dates_name_a_file_alike(tmp_path: Path) -> None:
    one = StaticAssets(folder_with(tmp_path, "one", {"css/site.css": b"body { color: red }"}, mtime=1_700_000_000))
    two = StaticAssets(folder_with(tmp_path, "two", {"css/site.css": b"body { color: red }"}, mtime=1_800_000_000))
    assert one.url("css/site.css") == two.url("css/site.css") == "/static/css/site.925e8741be69.css"


def test_other_bytes_another_url(tmp_path: Path) -> None:
    assets = StaticAssets(folder_with(tmp_path, "one", {"css/site.css": b"body { color: blue }"}, mtime=1))
    assert assets.url("css/site.css") != "/static/css/site.925e8741be69.css"


def test_a_missing_file_keeps_its_plain_url_and_the_page_renders(tmp_path: Path) -> None:
    assets = StaticAssets(folder_with(tmp_path, "one", {"css/site.css": b""}, mtime=1))
    assert assets.url("vendor/htmx.min.js") == "/static/vendor/htmx.min.js"


def test_names_with_several_dots_or_none(tmp_path: Path) -> None:
    assets = StaticAssets(folder_with(tmp_path, "one", {"vendor/htmx.min.js": b"x", "LICENSE": b"y"}, mtime=1))
    hashed_script = assets.url("vendor/htmx.min.js").removeprefix("/static/")
    hashed_licence = assets.url("LICENSE").removeprefix("/static/")
    assert hashed_script.startswith("vendor/htmx.min.") and hashed_script.endswith(".js")
    assert assets.find(hashed_script) == (assets.find("vendor/htmx.min.js")[0], True)  # type: ignore[index]
    assert assets.find(hashed_licence) == (assets.find("LICENSE")[0], True)  # type: ignore[index]


def test_a_linked_folder_is_followed(tmp_path: Path) -> None:
    """static/vendor may be a link to a shared copy of the files set-up downloads."""
    shared = folder_with(tmp_path, "shared", {"htmx.min.js": b"x"}, mtime=1)
    folder = folder_with(tmp_path, "static", {"css/site.css": b""}, mtime=1)
    (folder / "vendor").symlink_to(shared)
    assert StaticAssets(folder).url("vendor/htmx.min.js").startswith("/static/vendor/htmx.min.")


def test_while_debugging_an_edited_file_gets_its_new_url_at_once(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "one", {"css/site.css": b"body { color: red }"}, mtime=1)
    watched, fixed = StaticAssets(folder, watch=True), StaticAssets(folder)
    (folder / "css/site.css").write_bytes(b"body { color: blue }")
    assert fixed.url("css/site.css") == "/static/css/site.925e8741be69.css"
    assert watched.url("css/site.css") != "/static/css/site.925e8741be69.css"


def test_every_stylesheet_closes_what_it_opens() -> None:
    # A merge once dropped the brace that closed a media query: every rule after it applied to wide screens only.
    for sheet in (Path(__file__).resolve().parents[2] / "static" / "css").glob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(), flags=re.S)
        depth = 0
        for line_number, line in enumerate(text.splitlines(), 1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{sheet.name}:{line_number} closes a block it never opened"
            if line.startswith("@media"):
                assert depth == 1, f"{sheet.name}:{line_number}: a media query inside another block"
        assert depth == 0, f"{sheet.name} leaves {depth} block(s) open"
