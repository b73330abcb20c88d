"""Throttles: how often something may happen per key, counted in storage every worker shares.

A `Throttle(name, rate)` counts hits per key in a sliding window (the `limits` package's sliding-window
counter: two counters per key, so a key costs the same whatever the rate) and says how long a key must wait.
The counts live where `RATE_LIMIT_STORAGE_URL` says: Redis in production, so every worker and every server
counts together; this process's memory in the embedded default (one worker, forgotten at restart).

Keys are HMACs of what they name (an e-mail address, a client address) under the shop's secret: the
storage holds no personal data and every key has the same short length, however long the address.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

log = logging.getLogger(__name__)


def parse_rate(text: str) -> RateLimitItem:
    """`10 per 15 minutes`, `3/hour`: the `limits` notation; a ValueError names what it could not read."""
    try:
        return parse(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a rate such as '10 per 15 minutes'") from exc


class BoundedMemoryStorage(MemoryStorage):
    """`limits`' memory storage, sweeping expired keys at most once every `sweep_seconds`.

    The stock storage starts a sweep over every key it holds after each hit once the previous sweep is
    done: with 50,000 addresses counted that is 17 ms of work per request (bench/throttle_bench.py). Here
    a key lives at most twice its window plus `sweep_seconds`, so memory stays proportional to the keys
    hit in that time, and each sweep's cost is shared by every hit of the interval.
    """

    def __init__(self, sweep_seconds: float = 10.0) -> None:
        super().__init__()
        self.sweep_seconds = sweep_seconds
        self._next_sweep = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private scheduler
        now = time.monotonic()
        if now < self._next_sweep or (self.timer and not self.timer.done()):
            return
        self._next_sweep = now + self.sweep_seconds
        self.timer = asyncio.create_task(self._MemoryStorage__expire_events())  # type: ignore[attr-defined]

    async def sweep(self) -> None:
        """Drop every expired key now (tests, and the bench, which cannot wait for the timer)."""
        self._next_sweep = 0.0
        await self._MemoryStorage__schedule_expiry()
        if self.timer:
            await self.timer

    @property
    def keys_held(self) -> int:
        return len(self.storage) + len(self.expirations) + len(self.locks)


def storage_for(url: str) -> Storage:
    """The shared storage `url` names: `memory://` (this process) or `redis://host:6379/0` (every worker)."""
    url = url if url.startswith("async+") else f"async+{url}"
    if url.startswith("async+memory://"):
        return BoundedMemoryStorage()
    # redis-py's asyncio client rather than `limits`' default (coredis), which pins an older `packaging`.
    # Errors wrapped as StorageError, so a Throttle can tell "Redis is down" from a bug.
    storage = storage_from_string(url, implementation="redispy", wrap_exceptions=True)
    if not isinstance(storage, Storage):
        raise ValueError(f"{url!r} does not name an asynchronous storage")
    return storage


@dataclass(frozen=True)
class Throttle:
    """At most `rate` hits per key: `hit(key)` counts one and says whether it was allowed; `wait_seconds(key)`
    says how long the key must wait before its next hit would be (0: it may go now)."""

    name: str
    rate: RateLimitItem
    limiter: SlidingWindowCounterRateLimiter
    secret: str

    @classmethod
    def of(cls, name: str, rate: str, storage: Storage, secret: str, prefix: str = "encore") -> Throttle:
        return cls(f"{prefix}/{name}", parse_rate(rate), SlidingWindowCounterRateLimiter(storage), secret)

    def _key(self, *parts: str) -> str:
        message = "\x1f".join((self.name, *parts)).encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()[:32]

    async def hit(self, *key: str) -> bool:
        try:
            return await self.limiter.hit(self.rate, self.name, self._key(*key))
        except StorageError as exc:
            return _unavailable(self.name, exc)

    async def allows(self, *key: str) -> bool:
        """Whether a hit now would be allowed, without counting one."""
        try:
            return await self.limiter.test(self.rate, self.name, self._key(*key))
        except StorageError as exc:
            return _unavailable(self.name, exc)

    async def wait_seconds(self, *key: str) -> int:
        if await self.allows(*key):
            return 0
        stats = await self.limiter.get_window_stats(self.rate, self.name, self._key(*key))
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def clear(self, *key: str) -> None:
        try:
            await self.limiter.clear(self.rate, self.name, self._key(*key))
        except StorageError as exc:
            _unavailable(self.name, exc)


def _unavailable(name: str, exc: StorageError) -> bool:
    """The counts cannot be read (Redis down): the request goes through, as if unthrottled. A sign-in or a reset
    that fails for everyone while Redis is away would be worse than a guesser unslowed for that time; the
    password hashing still costs each guess, and the outage is logged for the operator."""
    log.warning("throttle %s: the counts are unavailable, letting the request through: %s", name, exc)
    return True
