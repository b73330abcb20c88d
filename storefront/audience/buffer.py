"""The worker's in-memory list of who was active this month, filled by requests and emptied by the flush.

Noting a visitor is a set insertion: no hashing, no I/O, nothing awaited, so a page never waits for the
count. The flush (storefront.audience.service.flush) hashes the visits and writes them off the request path.
"""
from __future__ import annotations

import calendar
import time
from collections.abc import Callable

# (client address, User-Agent, Accept-Language, account id or None), kept per month "YYYY-MM"
Visit = tuple[str, str, str, int | None]

# Far above what one worker sees between two flushes (a minute by default); it only bounds memory, about
# 80 MB when full, if the database stays unreachable for a long time. It applies to each month's visits.
DEFAULT_CAPACITY = 200_000


def month_bounds(epoch_seconds: float) -> tuple[str, float, float]:
    """The calendar month (UTC) holding this instant: its name and its first and last+1 second."""
    moment = time.gmtime(epoch_seconds)
    year, month = moment.tm_year, moment.tm_mon
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    starts = calendar.timegm((year, month, 1, 0, 0, 0))
    ends = calendar.timegm((*following, 1, 0, 0, 0))
    return f"{year:04d}-{month:02d}", starts, ends


class RecipientBuffer:
    """Distinct visits per month since the last flush; a full month drops new visits and counts them."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        # Replaceable so tests can place visits in a past month.
        self.clock = clock
        self.dropped = 0
        self._months: dict[str, set[Visit]] = {}
        self._current: set[Visit] = set()
        self._month_starts, self._month_ends = 0.0, 0.0

    def __len__(self) -> int:
        return sum(len(visits) for visits in self._months.values())

    def note(self, address: str, user_agent: str, language: str, account_id: int | None) -> None:
        now = self.clock()
        if not self._month_starts <= now < self._month_ends:
            # Only when the clock leaves the month it last saw, or after a flush took the month's set.
            month, self._month_starts, self._month_ends = month_bounds(now)
            self._current = self._months.setdefault(month, set())
        visit = (address, user_agent, language, account_id)
        if len(self._current) >= self.capacity and visit not in self._current:
            self.dropped += 1
            return
        self._current.add(visit)

    def take(self) -> dict[str, set[Visit]]:
        """Everything noted so far, by month; the buffer starts empty again."""
        months, self._months = self._months, {}
        self._month_starts = self._month_ends = 0.0
        return months

    def give_back(self, months: dict[str, set[Visit]]) -> None:
        """Visits a failed flush could not write, kept for the next attempt as far as room allows."""
        for month, visits in months.items():
            kept = self._months.setdefault(month, set())
            room = max(0, self.capacity - len(kept))
            if len(visits) > room:
                self.dropped += len(visits) - room
                visits = set(list(visits)[:room])
            kept |= visits
