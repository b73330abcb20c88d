"""The seller portal's webhooks page, /seller/webhooks: the endpoint's address, its signing secret (shown on
demand, rotated), on or off, "Send a test event", and the log of the latest deliveries with each one's payload.

Mounted in the seller area (storefront.web.areas), whose guard lets seller users only in; every read and write
is scoped to `seller_id`, so another seller's delivery answers 404 like a missing one. Each form posts, then
redirects back to the page (303) with what was done; a refused one comes back with 400, its message next to
its field and what was typed kept. Everything works without JavaScript; with it, "Send a test event" swaps the
delivery log only (htmx follows the redirect, and the page answers an htmx request with the log).
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from storefront.errors import Refused
from storefront.orders import seller_views
from storefront.settings import Settings
from storefront.web.htmx import page_or_fragment
from storefront.web.inputs import Id
from storefront.webhooks import endpoints, views
from storefront.webhooks.sender import BACKOFF, MAX_ATTEMPTS, TIMEOUT_SECONDS
from storefront.webhooks.signing import HEADER
from storefront.webhooks.states import EventType

PAGE = "/seller/webhooks"
DONE_MESSAGES = {
    "saved": "The address is saved. Send a test event to check that your server receives it.",
    "rotated": "A new signing secret is in use: events are signed with it from now on, and the old one no longer "
               "verifies.",
    "on": "The endpoint is on: new orders, cancellations and claims are sent to it.",
    "off": "The endpoint is off: nothing is sent to it, and events that were waiting are not sent.",
    "test": "A test event is on its way. It appears in the deliveries below.",
}
EVENT_DESCRIPTIONS = {
    EventType.order_created: "an order was paid and waits for you to accept it",
    EventType.order_cancelled: "an order you were told about will not be fulfilled (you refused it)",
    EventType.claim_opened: "a buyer opened a claim (“Get help”) on one of your orders",
    EventType.claim_answered: "you answered a claim",
    EventType.ping: "the test event sent by the button on this page",
}


def _backoff_words() -> str:
    def words(seconds: float) -> str:
        minutes = int(seconds // 60)
        return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h"

    return ", ".join(words(delay.total_seconds()) for delay in BACKOFF)


async def _context(seller_id: int, settings: Settings, *, values: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None, done: str | None = None) -> dict[str, Any]:
    endpoint = await views.endpoint_of(seller_id)
    errors = errors or {}
    return {
        "seller": await seller_views.seller_profile(seller_id),
        "section": "webhooks",
        "endpoint": endpoint,
        "values": values if values is not None else {"url": endpoint["url"] if endpoint else ""},
        "errors": errors,
        "first_error": next(iter(errors), None),
        "done": DONE_MESSAGES.get(done or ""),
        "deliveries": await views.delivery_log(seller_id),
        "log_length": views.LOG_LENGTH,
        "events": EVENT_DESCRIPTIONS,
        "header": HEADER,
        "max_attempts": MAX_ATTEMPTS,
        "backoff": _backoff_words(),
        "timeout": f"{TIMEOUT_SECONDS:g}",
        "https_only": not settings.is_demo,
        # The test event's message sits in the delivery log, which htmx swaps after the button.
        "test_sent": done == "test",
    }


async def _page(seller_id: int, settings: Settings, *, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    return Template(template_name="pages/seller/webhooks.html", status_code=status_code,
                    context=await _context(seller_id, settings, values=values, errors=errors))


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _done(what: str) -> Redirect:
    return Redirect(PAGE, status_code=303, query_params={"done": what})


@get("/webhooks", name="seller_webhooks")
async def webhooks_page(request: Request, seller_id: NamedDependency[int], settings: NamedDependency[Settings],
                        done: FromQuery[str | None] = None) -> Template:
    return page_or_fragment(request, "pages/seller/webhooks.html", "pages/seller/_webhook_log.html",
                            await _context(seller_id, settings, done=done))


@post("/webhooks/endpoint", name="seller_webhooks_endpoint")
async def save_endpoint(request: Request, seller_id: NamedDependency[int],
                        settings: NamedDependency[Settings]) -> Template | Redirect:
    url = _field(await request.form(), "url")
    try:
        await endpoints.save_endpoint(seller_id, url, settings)
    except Refused as refused:
        return await _page(seller_id, settings, values={"url": url}, errors=refused.problems, status_code=400)
    return _done("saved")


@post("/webhooks/secret", name="seller_webhooks_secret")
async def rotate_secret(seller_id: NamedDependency[int], settings: NamedDependency[Settings]) -> Template | Redirect:
    try:
        await endpoints.rotate_secret(seller_id)
    except Refused as refused:
        return await _page(seller_id, settings, errors=refused.problems, status_code=400)
    return _done("rotated")


@post("/webhooks/enabled", name="seller_webhooks_enabled")
async def switch(request: Request, seller_id: NamedDependency[int],
                 settings: NamedDependency[Settings]) -> Template | Redirect:
    wanted = _field(await request.form(), "enabled")
    if wanted not in ("on", "off"):
        return await _page(seller_id, settings, errors={"enabled": "Choose to turn the endpoint on or off."},
                           status_code=400)
    try:
        await endpoints.set_enabled(seller_id, wanted == "on")
    except Refused as refused:
        return await _page(seller_id, settings, errors=refused.problems, status_code=400)
    return _done(wanted)


@post("/webhooks/test", name="seller_webhooks_test")
async def send_test(seller_id: NamedDependency[int], settings: NamedDependency[Settings]) -> Template | Redirect:
    try:
        await endpoints.send_test_event(seller_id)
    except Refused as refused:
        return await _page(seller_id, settings, errors=refused.problems, status_code=400)
    return _done("test")


@get("/webhooks/deliveries/{delivery_id:int}", name="seller_webhook_delivery")
async def delivery_page(delivery_id: Id, seller_id: NamedDependency[int]) -> Template:
    return Template(template_name="pages/seller/webhook_delivery.html", context={
        "seller": await seller_views.seller_profile(seller_id),
        "section": "webhooks",
        "delivery": await views.delivery(seller_id, delivery_id),
        "header": HEADER,
    })


HANDLERS = [webhooks_page, save_endpoint, rotate_secret, switch, send_test, delivery_page]
