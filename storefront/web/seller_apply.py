"""/seller/apply: a refurbisher applies to sell. Public and never cached, like the sign-up (mounted in the sign-in
area, storefront.web.areas), although its path sits under /seller.

The page states the seller conditions (monthly fee, commission, quality charter) from the same figures the legal
pages and the code use (storefront.legal.figures). A form with problems comes back with 400, what was typed
(never the password) and each message next to its field; a valid one always answers "we sent a link to
<address>", as fast for a taken address as for a new one: the rest happens after the response
(storefront.sellers.applications).
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from storefront.accounts.passwords import MIN_PASSWORD_LENGTH
from storefront.accounts.service import MAX_EMAIL_LENGTH
from storefront.accounts.throttles import AccountThrottles
from storefront.legal.figures import legal_figures
from storefront.sellers import applications
from storefront.sellers.applications import SHOP_NAME_MAX
from storefront.sellers.figures import MIN_DELIVERED_ORDERS
from storefront.sellers.services import TRACEABILITY_FIELDS
from storefront.settings import Settings
from storefront.web.accounts import ANONYMOUS_FORM, after_response, wait_message
from storefront.web.edge import client_address
from storefront.web.viewer import viewer_of


def _page(settings: Settings, *, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          form_error: str | None = None, status_code: int = 200) -> Template:
    errors = errors or {}
    return Template(template_name="pages/seller/apply.html", status_code=status_code, context={
        "figures": legal_figures(settings), "min_delivered_orders": MIN_DELIVERED_ORDERS,
        "company_fields": TRACEABILITY_FIELDS, "values": values or {}, "errors": errors,
        "first_error": next(iter(errors), None), "form_error": form_error,
        "min_password_length": MIN_PASSWORD_LENGTH, "shop_name_max": SHOP_NAME_MAX})


@get("/seller/apply", name="seller_apply")
async def apply_form(request: Request, settings: NamedDependency[Settings]) -> Template | Redirect:
    if viewer_of(request).is_seller:
        return Redirect("/seller/", status_code=303)
    return _page(settings)


@post("/seller/apply", name="seller_apply_submit", opt=ANONYMOUS_FORM)
async def apply_submit(request: Request, settings: NamedDependency[Settings],
                       throttles: NamedDependency[AccountThrottles]) -> Template | Redirect:
    application = applications.read_application(await request.form())
    if errors := application.problems():
        return _page(settings, values=application.values(), errors=errors, status_code=400)
    if wait := await throttles.request_wait(client_address(request)):
        return _page(settings, values=application.values(), status_code=429,
                     form_error=wait_message(wait, "Too many requests from your connection."))
    may_mail = await throttles.may_mail(application.account_email)
    return Redirect("/seller/apply/sent", status_code=303, query_params={"to": application.account_email},
                    background=after_response(applications.apply_to_sell, settings, application, may_mail=may_mail))


@get("/seller/apply/sent", name="seller_apply_sent")
async def apply_sent(to: FromQuery[str | None] = None) -> Template:
    context: dict[str, Any] = {"address": (to or "")[:MAX_EMAIL_LENGTH]}
    return Template(template_name="pages/seller/apply_sent.html", context=context)


HANDLERS = [apply_form, apply_submit, apply_sent]
