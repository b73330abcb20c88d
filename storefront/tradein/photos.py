"""Inspection photos: JPEG or PNG by their first bytes (never by name or declared type), within the configured
size and count, stored under settings.tradein.photos_dir (outside static/) by a random key, and read back only
for the trade-in's own refurbisher (the web layer scopes the read)."""
from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from storefront.db import write_transaction
from storefront.errors import NotFound, Refused
from storefront.settings import Settings
from storefront.tradein.moves import hold
from storefront.tradein.states import TradeInStatus
from storefront.tradein.tables import TradeInPhoto

JPEG, PNG = "image/jpeg", "image/png"
# Photos are added while the device is being inspected.
OPEN_FOR_PHOTOS = (TradeInStatus.received,)


def content_type_of(data: bytes) -> str | None:
    """JPEG (FF D8 FF) or PNG (its 8-byte signature), from the bytes themselves; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _path(settings: Settings, storage_key: str) -> Path:
    return Path(settings.tradein.photos_dir) / storage_key


async def add_photo(trade_in: dict[str, Any], data: bytes, settings: Settings) -> int:
    """Checks and keeps one photo; refused (field "photo") for a wrong type, size or one too many."""
    rules = settings.tradein
    if trade_in["status"] not in OPEN_FOR_PHOTOS:
        raise Refused("photo", "Photos are added while the device is being inspected.")
    if not data:
        raise Refused("photo", "Choose a photo to upload.")
    if len(data) > rules.photo_max_bytes:
        raise Refused("photo", f"This photo is larger than {rules.photo_max_bytes // 1000:,} kB: make it smaller.")
    kind = content_type_of(data)
    if kind is None:
        raise Refused("photo", "Only JPEG or PNG photos are accepted.")
    key = secrets.token_hex(20) + (".jpg" if kind == JPEG else ".png")
    path = _path(settings, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        async with write_transaction(TradeInPhoto._meta.db):
            # Counted under the trade-in's lock: two uploads at once cannot both take the last place.
            await hold(trade_in["id"])
            count = await TradeInPhoto.count().where(TradeInPhoto.trade_in == trade_in["id"])
            if count >= rules.photo_max_count:
                raise Refused("photo", f"At most {rules.photo_max_count} photos per device.")
            made = await TradeInPhoto.insert(TradeInPhoto(
                trade_in=trade_in["id"], storage_key=key, content_type=kind, size_bytes=len(data),
                created_at=dt.datetime.now(dt.UTC))).returning(TradeInPhoto.id)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return made[0]["id"]


async def photos_of(trade_in_id: int) -> list[dict[str, Any]]:
    return await TradeInPhoto.select(TradeInPhoto.id, TradeInPhoto.content_type, TradeInPhoto.size_bytes,
                                     TradeInPhoto.created_at).where(
        TradeInPhoto.trade_in == trade_in_id).order_by(TradeInPhoto.id)


async def read_photo(photo_id: int, *, trade_in_id: int, settings: Settings, seller_id: int | None = None,
                     account_id: int | None = None) -> tuple[bytes, str]:
    """The photo's bytes and type, when it belongs to this trade-in of this refurbisher (`seller_id`) or of this
    person (`account_id`); the operator's console gives neither. NotFound otherwise."""
    query = TradeInPhoto.select(TradeInPhoto.storage_key, TradeInPhoto.content_type).where(
        (TradeInPhoto.id == photo_id) & (TradeInPhoto.trade_in == trade_in_id))
    if seller_id is not None:
        query = query.where(TradeInPhoto.trade_in._.seller == seller_id)
    if account_id is not None:
        query = query.where(TradeInPhoto.trade_in._.account == account_id)
    row = await query.first()
    if row is None:
        raise NotFound(photo_id)
    path = _path(settings, row["storage_key"])
    if not path.is_file():
        raise NotFound(photo_id)
    return path.read_bytes(), row["content_type"]


