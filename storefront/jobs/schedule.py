"""When a scheduled job runs: a cron expression (five fields, or six with seconds last, as croniter and
procrastinate read them), and the ticks it gives. A tick is a Unix second; both runners name a run by it."""
from __future__ import annotations

from croniter import croniter  # type: ignore[import-untyped]


def cron_every(seconds: int) -> str:
    """A cron expression that fires every `seconds`, aligned on the clock so that every process agrees on the
    ticks. Only periods that divide a minute, an hour or a day evenly can be said so; others are refused."""
    if 0 < seconds < 60 and 60 % seconds == 0:
        return f"* * * * * */{seconds}"
    if seconds % 60 == 0 and 0 < seconds // 60 < 60 and 60 % (seconds // 60) == 0:
        return f"*/{seconds // 60} * * * *"
    if seconds % 3_600 == 0 and 0 < seconds // 3_600 <= 24 and 24 % (seconds // 3_600) == 0:
        return f"0 */{seconds // 3_600} * * *"
    raise ValueError(f"a period of {seconds} s does not divide a minute, an hour or a day evenly "
                     "(e.g. 30, 60, 300, 900, 3600)")


def tick_at_or_before(cron: str, now: float) -> int:
    """The last tick of `cron` not after `now`."""
    # croniter's previous tick is strictly before its start: start a second after the whole second of `now`.
    return round(croniter(cron, int(now) + 1).get_prev(float))


def next_tick(cron: str, now: float) -> float:
    return croniter(cron, now).get_next(float)
