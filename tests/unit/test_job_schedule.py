"""The sweeping jobs' period becomes a schedule on the clock, so every process agrees on its ticks."""
from __future__ import annotations

import pytest

from storefront.jobs.schedule import cron_every, next_tick, tick_at_or_before


@pytest.mark.parametrize(("seconds", "cron"), [
    (5, "* * * * * */5"), (30, "* * * * * */30"), (60, "*/1 * * * *"), (900, "*/15 * * * *"),
    (3_600, "0 */1 * * *"), (86_400, "0 */24 * * *"),
])
def test_a_period_that_divides_the_clock_is_a_cron_expression(seconds: int, cron: str) -> None:
    assert cron_every(seconds) == cron


@pytest.mark.parametrize("seconds", [7, 700, 5_400])
def test_a_period_that_does_not_divide_the_clock_is_refused(seconds: int) -> None:
    with pytest.raises(ValueError, match=f"a period of {seconds} s does not divide"):
        cron_every(seconds)


def test_the_tick_of_a_moment_is_the_last_one_not_after_it() -> None:
    # 1970-01-01 00:30:00 UTC is a tick of "every 15 minutes"; a moment later still belongs to it.
    assert tick_at_or_before("*/15 * * * *", 1_800.0) == 1_800
    assert tick_at_or_before("*/15 * * * *", 2_699.9) == 1_800
    assert tick_at_or_before("*/15 * * * *", 1_799.9) == 900
    assert next_tick("*/15 * * * *", 1_800.0) == 2_700.0


@pytest.mark.parametrize(("interval", "cron"), [(900, "*/1 * * * *"), (3_600, "*/1 * * * *"),
                                                (30, "* * * * * */30"), (0, None)])
def test_webhook_retries_are_looked_at_every_minute_or_with_quicker_sweeps_and_never_without(
        interval: int, cron: str | None) -> None:
    from dataclasses import replace

    from storefront.jobs.registry import SEND_WEBHOOKS, job_named
    from storefront.settings import Settings

    assert job_named(SEND_WEBHOOKS).cron(replace(Settings(), jobs_interval_seconds=interval)) == cron
