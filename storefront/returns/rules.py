"""The windows of withdrawal and return, and the deadlines they set: pure functions of dates and settings.

- Withdrawal: until the end of the `withdrawal_days`-th day after delivery (day 14 yes, day 15 no). No reason
  is needed, and the refund covers the item and the original standard delivery (Consumer Rights Directive
  Art. 13): for a whole seller order, its full total.
- Return: after the withdrawal period, until the end of the `return_window_days`-th day after delivery, for
  any reason. Our choice: the store's return refunds exactly like a withdrawal (item and original delivery),
  so a buyer never loses by the day on which they ask.
- The refund is due `REFUND_DAYS` after the request (Art. 13(1)); the seller may wait until it has the item
  back (Art. 13(3)), and has `return_seller_action_days` for the label and again for the refund after receipt.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storefront.returns.states import ReturnKind
from storefront.settings import Settings

REFUND_DAYS = 14


@dataclass(frozen=True)
class Window:
    """What the buyer may do on `today` for a part delivered on `delivered_on`."""

    kind: ReturnKind | None  # None: both windows have closed
    withdrawal_until: dt.date
    return_until: dt.date

    @property
    def open(self) -> bool:
        return self.kind is not None


# Time for a parcel to come back once the label is issued, before the seller must say it has it.
RETURN_TRANSIT_DAYS = 10


def next_working_day(day: dt.date) -> dt.date:
    """A period that ends on a Saturday or a Sunday runs to the next Monday (Regulation 1182/71 Art. 3(4), which
    the Consumer Rights Directive's periods follow). Public holidays differ by country and are not counted."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def window(delivered_on: dt.date, today: dt.date, settings: Settings) -> Window:
    withdrawal_until = next_working_day(delivered_on + dt.timedelta(days=settings.withdrawal_days))
    # A return window shorter than the withdrawal period gives nothing more than the law.
    return_until = delivered_on + dt.timedelta(days=max(settings.return_window_days, settings.withdrawal_days))
    kind = (ReturnKind.withdrawal if today <= withdrawal_until
            else ReturnKind.return_ if today <= return_until else None)
    return Window(kind, withdrawal_until, return_until)


def refund_due_on(requested_at: dt.datetime) -> dt.date:
    return requested_at.astimezone(dt.UTC).date() + dt.timedelta(days=REFUND_DAYS)


def seller_action_due(since: dt.datetime, settings: Settings, refund_due: dt.date | None = None) -> dt.datetime:
    """When the seller's time to act runs out; never after the day the refund is due by law."""
    due = since + dt.timedelta(days=settings.return_seller_action_days)
    if refund_due is not None:
        due = min(due, dt.datetime.combine(refund_due, dt.time(), tzinfo=dt.UTC))
    return due


def parcel_due(label_issued_at: dt.datetime, settings: Settings) -> dt.datetime:
    """A label issued and no parcel marked received after this: the operator looks (was it sent? lost?)."""
    return label_issued_at + dt.timedelta(days=RETURN_TRANSIT_DAYS + settings.return_seller_action_days)
