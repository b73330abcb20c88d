"""What the operator reads of the payout runs (/ops/payouts): the runs, their files, the sellers held."""
from __future__ import annotations

from typing import Any

from storefront.payments.states import PayoutStatus
from storefront.payments.tables import Payout, PayoutRun
from storefront.sellers.services import iban_is_valid

RUNS_SHOWN = 36  # a year of runs at three a month


async def recent_runs() -> list[dict[str, Any]]:
    rows = await PayoutRun.select(
        PayoutRun.id, PayoutRun.run_on, PayoutRun.payout_count, PayoutRun.total_cents, PayoutRun.held_count,
        PayoutRun.file_name,
    ).order_by(PayoutRun.run_on, ascending=False).limit(RUNS_SHOWN)
    return [{**row, "has_file": bool(row["file_name"])} for row in rows]


async def held_sellers() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The latest run and the sellers it held, lowest balance first: never paid, for the operator to follow."""
    latest = await PayoutRun.select(PayoutRun.id, PayoutRun.run_on).order_by(
        PayoutRun.run_on, ascending=False).first()
    if latest is None:
        return None, []
    held = await Payout.select(
        Payout.seller.as_alias("seller_id"), Payout.seller.name.as_alias("name"), Payout.amount_cents, Payout.iban,
    ).where((Payout.payout_run == latest["id"]) & (Payout.status == PayoutStatus.held)).order_by(
        Payout.amount_cents, Payout.seller)
    return latest, [{**line, "iban_valid": iban_is_valid(line["iban"])} for line in held]


async def run_file(run_id: int) -> tuple[str, str] | None:
    """The pain.001 file of a run, as (file name, XML); None when the run paid nobody or does not exist."""
    row = await PayoutRun.select(PayoutRun.file_name, PayoutRun.document).where(PayoutRun.id == run_id).first()
    if row is None or not row["file_name"]:
        return None
    return row["file_name"], row["document"]
