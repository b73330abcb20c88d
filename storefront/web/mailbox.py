"""The development mailbox: the outbox's messages, readable in the browser when no SMTP server is set.

It shows password reset links, so it must never be public: the dev area's guard
(storefront.web.guards.requires_dev_machine) answers 404 when SMTP is configured, to any client that is not this
machine, and to any request that came through a proxy.
"""
from __future__ import annotations

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from storefront.mail import views
from storefront.web.inputs import Id

PAGE_SIZE = 200


@get("/mailbox", name="mailbox")
async def mailbox() -> Template:
    messages = await views.latest_messages(PAGE_SIZE)
    return Template(template_name="pages/mailbox.html", context={"messages": messages, "page_size": PAGE_SIZE})


@get("/mailbox/{message_id:int}", name="mailbox_message")
async def mailbox_message(message_id: Id) -> Template:
    message = await views.message(message_id)
    if message is None:
        raise NotFoundException()
    return Template(template_name="pages/mailbox_message.html", context={"message": message})


HANDLERS = [mailbox, mailbox_message]
