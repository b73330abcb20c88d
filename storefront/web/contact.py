"""The contact form (the users' point of contact, DSA Art. 12) and the authorities' point of contact (Art. 11).

The form works without an account: the anonymous CSRF token, the e-mail address to answer and an hourly
limit per address (past it, a 429 with the form and what was typed). Signed-in people find their name and
address already filled in.
"""
from __future__ import annotations

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from storefront.contact import service as contact
from storefront.errors import Refused
from storefront.legal.figures import legal_figures
from storefront.settings import Settings
from storefront.web.viewer import viewer_of

ANONYMOUS_FORM = {"csrf": "anonymous"}  # reachable before any session exists


# Said next to the e-mail field, since the limit counts per address; the form keeps what was typed so nothing is lost.
TOO_MANY_MESSAGES = (f"This e-mail address has sent {contact.MESSAGES_PER_HOUR} messages in the last hour, the most "
                     "we accept. Nothing was sent this time: your message is still below, send it again in an hour.")


def _page(values: dict[str, str], errors: dict[str, str], settings: Settings, *, sent: bool = False,
          status_code: int = 200) -> Template:
    return Template(template_name="pages/contact/form.html", status_code=status_code, context={
        "values": values, "errors": errors, "sent": sent, "topics": contact.TOPICS,
        "name_max": contact.NAME_MAX, "message_min": contact.MESSAGE_MIN, "message_max": contact.MESSAGE_MAX,
        "reference_max": contact.ORDER_REFERENCE_MAX, "per_hour": contact.MESSAGES_PER_HOUR,
        "first_error": next(iter(errors), None), "figures": legal_figures(settings),
    })


@get("/contact", name="contact_form", cache_control=None)
async def contact_form(request: Request, settings: NamedDependency[Settings]) -> Template:
    account = viewer_of(request).account
    values = {"name": account["name"] if account else "", "email": account["email"] if account else "",
              "topic": request.query_params.get("topic", ""), "order_reference": "", "message": ""}
    return _page(values, {}, settings, sent=request.query_params.get("sent") == "1")


@post("/contact", name="contact_submit", opt=ANONYMOUS_FORM)
async def contact_submit(request: Request, settings: NamedDependency[Settings]) -> Template | Redirect:
    form = contact.read_form(dict(await request.form()))
    if errors := form.problems():
        return _page(form.values(), errors, settings, status_code=400)
    account = viewer_of(request).account
    try:
        await contact.send_message(form, account_id=account["id"] if account else None, settings=settings)
    except contact.TooManyMessages:
        return _page(form.values(), {"email": TOO_MANY_MESSAGES}, settings, status_code=429)
    except Refused as refused:
        return _page(form.values(), refused.problems, settings, status_code=400)
    return Redirect(path="/contact?sent=1", status_code=303)


@get("/contact/authorities", name="authorities_contact", cache_control=None)
async def authorities_contact(settings: NamedDependency[Settings]) -> Template:
    return Template(template_name="pages/contact/authorities.html", context={"figures": legal_figures(settings)})


HANDLERS = [contact_form, contact_submit, authorities_contact]
