"""The console's payouts: each run (date, transfers, total, its pain.001 file) and the sellers held, whose
balance was zero or below (or who had no account to pay), with that balance. Reading only: runs are made by
the scheduled job or `python -m storefront.manage payout-run`."""
from __future__ import annotations

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from storefront.payments import payout_views
from storefront.web.inputs import Id

XML_TYPE = "application/xml; charset=utf-8"


@get("/payouts", name="ops_payouts")
async def ops_payouts() -> Template:
    latest, held = await payout_views.held_sellers()
    return Template(template_name="pages/ops/payouts.html", context={
        "runs": await payout_views.recent_runs(), "latest": latest, "held": held, "section": "payouts",
        "done": None})


@get("/payouts/{run_id:int}/pain001.xml", name="ops_payout_file")
async def ops_payout_file(run_id: Id) -> Response:
    found = await payout_views.run_file(run_id)
    if found is None:
        raise NotFoundException("This run has no transfer file.")
    name, document = found
    return Response(content=document.encode("utf-8"), media_type=XML_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


HANDLERS = [ops_payouts, ops_payout_file]
