"""The console's payouts: each run (date, transfers, total, its pain.001 file) and the sellers held, whose
balance was zero or below (or who had no account to pay), with that balance; the transfers to people who sold a
device that a run made today would hold, their refurbisher's balance not covering them; runs are made by the scheduled
job or `python -m storefront.manage payout-run`. Also the refunds the provider refused or could not be reached
for, which the operator can send again."""
from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Response, Template

from storefront.payments import payout_views, payouts, refunds
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

XML_TYPE = "application/xml; charset=utf-8"


@get("/payouts", name="ops_payouts")
async def ops_payouts(settings: NamedDependency[Settings], done: FromQuery[str | None] = None) -> Template:
    latest, held = await payout_views.held_sellers()
    return Template(template_name="pages/ops/payouts.html", context={
        "runs": await payout_views.recent_runs(), "latest": latest, "held": held, "section": "payouts",
        "people_held": await payouts.transfers_held_now(settings),
        "failed_refunds": await refunds.failed_refunds(),
        "done": "The refund is being sent again." if done == "refund" else None})


@post("/refunds/{refund_id:int}/retry", name="ops_refund_retry")
async def ops_refund_retry(refund_id: Id, viewer: NamedDependency[Viewer]) -> Redirect:
    if not await refunds.retry(refund_id, operator_id=viewer.signed_in_account["id"]):
        raise NotFoundException("No refund held up with this number.")
    return Redirect("/ops/payouts", status_code=303, query_params={"done": "refund"})


@get("/payouts/{run_id:int}/pain001.xml", name="ops_payout_file")
async def ops_payout_file(run_id: Id) -> Response:
    found = await payout_views.run_file(run_id)
    if found is None:
        raise NotFoundException("This run has no transfer file.")
    name, document = found
    return Response(content=document.encode("utf-8"), media_type=XML_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


HANDLERS = [ops_payouts, ops_payout_file, ops_refund_retry]
