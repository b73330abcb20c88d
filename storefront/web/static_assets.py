"""The files under static/, served under URLs that carry a hash of their bytes.

Templates name a file by `static_url("css/encore.css")` and get `/static/css/encore.<hash>.css`. The hash
is of the content, not of a date: modification times differ from one host to the next, so two workers
behind one balancer would otherwise name the same file twice. A hashed URL always means the same bytes, so
browsers keep it a year without asking again (`immutable`). The plain URL, and a hash from before a
deploy, still answer with the current file, revalidated on each use (`no-cache`, then a 304 by its ETag),
so a page rendered before a deploy keeps its style and scripts.

The files are read once, at start: the store's own CSS and scripts and the htmx copied at set-up, tens of
kilobytes. With DEBUG on, a file changed on disk is read again on the next request or render.
"""
from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import re
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path, PurePath, PurePosixPath

from litestar import Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from storefront.web.guards import PUBLIC

log = logging.getLogger(__name__)

PREFIX = "/static/"
DIGEST_LENGTH = 12
# `encore.0123456789ab.css`, `htmx.min.0123456789ab.js`, `LICENSE.0123456789ab`
HASHED_NAME = re.compile(rf"^(?P<base>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[^.]+)?$")
IMMUTABLE = CacheControlHeader(public=True, max_age=31_536_000, immutable=True)
REVALIDATE = CacheControlHeader(public=True, no_cache=True)


@dataclass(frozen=True)
class Asset:
    path: str  # relative to static/, with forward slashes: "css/encore.css"
    body: bytes
    digest: str
    modified: float
    media_type: str

    @property
    def hashed_path(self) -> str:
        posix = PurePosixPath(self.path)
        return str(posix.with_name(f"{posix.stem}.{self.digest}{posix.suffix}"))

    @property
    def etag(self) -> str:
        # Weak: the same tag names the file whether it travels compressed or not (RFC 9110 8.8.1).
        return f'W/"{self.digest}"'


def _read(folder: Path, file: Path) -> Asset:
    body = file.read_bytes()
    return Asset(path=file.relative_to(folder).as_posix(), body=body,
                 digest=hashlib.sha256(body).hexdigest()[:DIGEST_LENGTH], modified=file.stat().st_mtime,
                 media_type=mimetypes.guess_type(file.name)[0] or "application/octet-stream")


class StaticAssets:
    """The manifest: each file's path → its bytes and hash."""

    def __init__(self, folder: Path, *, watch: bool = False) -> None:
        self.folder = folder
        self.watch = watch
        self._stamps: dict[Path, tuple[int, int]] = {}
        self._assets: dict[str, Asset] = {}
        self._refresh()

    def _files(self) -> dict[Path, tuple[int, int]]:
        # os.walk, not rglob: static/vendor may be a link to a shared copy, and rglob does not follow links.
        files = sorted(Path(top, name) for top, _, names in os.walk(self.folder, followlinks=True)
                       for name in names if not name.startswith("."))
        return {file: (stat.st_mtime_ns, stat.st_size) for file in files for stat in [file.stat()]}

    def _refresh(self) -> None:
        stamps = self._files()
        if stamps != self._stamps:
            self._assets = {asset.path: asset for asset in (_read(self.folder, file) for file in stamps)}
            self._stamps = stamps

    def _current(self) -> dict[str, Asset]:
        if self.watch:
            self._refresh()
        return self._assets

    def url(self, path: str) -> str:
        """The hashed URL of a file under static/. A missing file (htmx before set-up copied it) costs its
        own 404, not every page: pages work without their scripts."""
        asset = self._current().get(path)
        if asset is None:
            log.warning("static/%s does not exist", path)
            return PREFIX + path
        return PREFIX + asset.hashed_path

    def find(self, requested: str) -> tuple[Asset, bool] | None:
        """The file a request names, and whether it named it by its current hash (so it may be kept for good)."""
        assets = self._current()
        if requested in assets:
            return assets[requested], False
        posix = PurePosixPath(requested)
        match = HASHED_NAME.match(posix.name)
        if match is None:
            return None
        asset = assets.get(str(posix.with_name(match["base"] + (match["suffix"] or ""))))
        return (asset, match["digest"] == asset.digest) if asset else None


def static_files(assets: StaticAssets) -> Router:
    """Public, like the shop: a Router, so the OPTIONS handler Litestar adds is marked public as well."""

    # Only names in the manifest are served: a request never becomes a path on disk.
    @get("{file_path:path}", name="static")
    async def static_file(file_path: FromPath[PurePath]) -> Response[bytes]:
        found = assets.find(file_path.as_posix().lstrip("/"))
        if found is None:
            raise NotFoundException()
        asset, for_good = found
        return Response(asset.body, media_type=asset.media_type, headers={
            "Cache-Control": (IMMUTABLE if for_good else REVALIDATE).to_header(),
            "ETag": asset.etag, "Last-Modified": formatdate(asset.modified, usegmt=True),
        })

    return Router(path=PREFIX, opt=PUBLIC, route_handlers=[static_file])
