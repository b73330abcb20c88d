"""The e-mail a seller gets when the job has issued its documents of a closed month. Plain text, our own words."""
from __future__ import annotations

from typing import Any

from storefront.mail.outbox import queue
from storefront.settings import Settings
from storefront.units import money


async def statement_ready(settings: Settings, *, to: str, code: str, content: dict[str, Any]) -> None:
    period, label = content["period"], content["period_label"]
    total = content["total"]
    await queue(to=to, kind="statement_ready", subject=f"Your statement for {label} ({code})", body=(
        f"Your statement for {label} is ready: number {code}.\n"
        f"{total['label']}: {money(total['cents'])}.\n\n"
        f"Download it, and the platform's invoice for the month when there is one, as PDF or CSV from your "
        f"portal: {settings.public_base_url}/seller/statements/{period}\n"
    ))
