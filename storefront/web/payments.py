"""The payment sandbox's hosted page, and the endpoint where providers notify the store.

The sandbox pages stand in for a payment provider's own site: the store hands the shopper over, the
card number is read here and forgotten, and the result reaches the store only as a signed
notification, exactly as a real provider's would.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from storefront.inputs import is_digits, same_signature
from storefront.orders.transitions import payment_deadline
from storefront.payments.provider import (
    SIGNATURE_HEADER,
    TEST_CARDS,
    InvalidNotification,
    PaymentProvider,
    SandboxProvider,
    luhn_ok,
)
from storefront.payments.service import handle_notification
from storefront.payments.views import payment_and_order
from storefront.settings import Settings

HOLDER_MAX = 80  # longer is refused as typed, never cut: a cut name would be charged as if it were what was typed

async def _payment(reference: str) -> tuple[dict[str, Any], dict[str, Any]]:
    found = await payment_and_order(reference)
    if found is None:
        raise NotFoundException()
    return found


def _confirm_token(settings: Settings, reference: str) -> str:
    return hmac.new(settings.payment_webhook_secret.encode(), f"confirm|{reference}".encode(),
                    hashlib.sha256).hexdigest()


def _form(payment: dict, order: dict, settings: Settings, *, status_code: int = 200, errors: dict | None = None,
          holder: str = "", expiry: str = "", declined: bool = False) -> Template:
    return Template(template_name="pages/sandbox/pay.html", status_code=status_code, context={
        "payment": payment, "order": order, "errors": errors or {}, "holder": holder, "expiry": expiry,
        "cards": TEST_CARDS, "declined": declined,
        "payable_until": payment_deadline(order["created_at"], settings)})


@get("/sandbox/pay/{reference:str}", name="sandbox_pay")
async def sandbox_page(reference: FromPath[str], request: Request, settings: NamedDependency[Settings]) -> Response:
    payment, order = await _payment(reference)
    if payment["status"] != "created":
        return Redirect(path=f"/checkout/return/{order['reference']}", status_code=303)
    return _form(payment, order, settings, declined=request.query_params.get("declined") == "1")


async def _finish(payment: dict, order: dict, succeeded: bool, provider: SandboxProvider,
                  settings: Settings) -> Redirect:
    """The sandbox tells the store the result by a signed notification, then sends the shopper back; after a
    decline it keeps them on its page, where the payment is still open for another card."""
    body, signature = provider.notification(event_id="evt_" + secrets.token_hex(12), succeeded=succeeded,
                                            payment_reference=payment["provider_reference"],
                                            amount_cents=payment["amount_cents"], currency=payment["currency"])
    outcome = await handle_notification(body, signature, provider=provider, settings=settings)
    if outcome == "failed":
        return Redirect(path=f"/sandbox/pay/{payment['provider_reference']}?declined=1", status_code=303)
    return Redirect(path=f"/checkout/return/{order['reference']}", status_code=303)


@post("/sandbox/pay/{reference:str}", name="sandbox_pay_submit", opt={"csrf": "anonymous"})
async def sandbox_submit(reference: FromPath[str], request: Request, settings: NamedDependency[Settings],
                         provider: NamedDependency[PaymentProvider]) -> Response:
    payment, order = await _payment(reference)
    if payment["status"] != "created":
        return Redirect(path=f"/checkout/return/{order['reference']}", status_code=303)
    form = await request.form()
    holder = str(form.get("holder", "")).strip()
    number = re.sub(r"[ -]", "", str(form.get("card_number", "")))
    expiry = str(form.get("expiry", "")).strip()
    cvc = str(form.get("cvc", "")).strip()
    errors: dict[str, str] = {}
    if not holder:
        errors["holder"] = "Enter the name on the card."
    elif len(holder) > HOLDER_MAX:
        errors["holder"] = f"Keep the name to {HOLDER_MAX} characters or fewer (it has {len(holder)})."
    if not (is_digits(number) and 13 <= len(number) <= 19 and luhn_ok(number)):
        errors["card_number"] = "Enter a valid card number (see the test cards below)."
    match = re.fullmatch(r"(\d{2}) ?/ ?(\d{2})", expiry)
    if not match or not 1 <= int(match.group(1)) <= 12:
        errors["expiry"] = "Enter the expiry date as MM/YY."
    elif (2000 + int(match.group(2)), int(match.group(1))) < (dt.date.today().year, dt.date.today().month):
        errors["expiry"] = "This card has expired."
    if not re.fullmatch(r"\d{3,4}", cvc):
        errors["cvc"] = "Enter the 3 digits on the back of the card."
    if errors:
        # The card number and its code are never sent back, not even to the page that asked for them; the name
        # and the expiry date are kept so a typo elsewhere costs only that field.
        return _form(payment, order, settings, status_code=400, errors=errors, holder=holder, expiry=expiry[:7])
    outcome = TEST_CARDS.get(number, ("succeeds", ""))[0]
    assert isinstance(provider, SandboxProvider)
    if outcome == "confirm":
        token = _confirm_token(settings, reference)
        return Redirect(path=f"/sandbox/pay/{reference}/confirm?token={token}", status_code=303)
    return await _finish(payment, order, outcome == "succeeds", provider, settings)


@get("/sandbox/pay/{reference:str}/confirm", name="sandbox_confirm")
async def sandbox_confirm_page(reference: FromPath[str], request: Request,
                               settings: NamedDependency[Settings]) -> Response:
    payment, order = await _payment(reference)
    token = request.query_params.get("token", "")
    if not same_signature(token, _confirm_token(settings, reference)):
        raise NotFoundException()
    if payment["status"] != "created":
        return Redirect(path=f"/checkout/return/{order['reference']}", status_code=303)
    return Template(template_name="pages/sandbox/confirm.html", context={"payment": payment, "order": order,
                                                                         "token": token})


@post("/sandbox/pay/{reference:str}/confirm", name="sandbox_confirm_submit", opt={"csrf": "anonymous"})
async def sandbox_confirm(reference: FromPath[str], request: Request, settings: NamedDependency[Settings],
                          provider: NamedDependency[PaymentProvider]) -> Response:
    payment, order = await _payment(reference)
    form = await request.form()
    if not same_signature(str(form.get("token", "")), _confirm_token(settings, reference)):
        raise NotFoundException()
    if payment["status"] != "created":
        return Redirect(path=f"/checkout/return/{order['reference']}", status_code=303)
    assert isinstance(provider, SandboxProvider)
    return await _finish(payment, order, form.get("decision") == "confirm", provider, settings)


@post("/payments/sandbox/notify", name="payment_notification", opt={"csrf": "exempt"})
async def notification(request: Request, settings: NamedDependency[Settings],
                       provider: NamedDependency[PaymentProvider]) -> Response:
    """Server to server: authenticated by the provider's signature, not by a session or CSRF token."""
    body = await request.body()
    try:
        outcome = await handle_notification(body, request.headers.get(SIGNATURE_HEADER, ""), provider=provider,
                                            settings=settings)
    except InvalidNotification as invalid:
        return Response(content={"error": str(invalid)}, status_code=400)
    return Response(content={"outcome": outcome}, status_code=200)


HANDLERS = [sandbox_page, sandbox_submit, sandbox_confirm_page, sandbox_confirm, notification]
