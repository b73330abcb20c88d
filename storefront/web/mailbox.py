"""The development mailbox: the outbox's messages, readable in the browser when no SMTP server is set.

It shows password reset links, so it must never be public: it answers 404 when SMTP is configured, to
any client that is not this machine, and to any request that came through a proxy (behind a reverse proxy
on the same host every client would otherwise look local).
"""
from __future__ import annotations

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from storefront.mail.tables import OutboxEmail
from storefront.settings import Settings

LOCAL_CLIENTS = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})  # "testclient": Litestar's test client
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
PAGE_SIZE = 200


def _only_here(request: Request, settings: Settings) -> None:
    """404, not 403: outside this machine the mailbox does not exist."""
    local = request.client is not None and request.client.host in LOCAL_CLIENTS
    proxied = any(name in request.headers for name in PROXY_HEADERS)
    if settings.smtp_host or not local or proxied:
        raise NotFoundException()


@get("/dev/mailbox", name="mailbox")
async def mailbox(request: Request, settings: NamedDependency[Settings]) -> Template:
    _only_here(request, settings)
    messages = await OutboxEmail.select(
        OutboxEmail.id, OutboxEmail.to_address, OutboxEmail.subject, OutboxEmail.kind, OutboxEmail.created_at,
        OutboxEmail.sent_at,
    ).order_by(OutboxEmail.id, ascending=False).limit(PAGE_SIZE)
    return Template(template_name="pages/mailbox.html", context={"messages": messages, "page_size": PAGE_SIZE})


@get("/dev/mailbox/{message_id:int}", name="mailbox_message")
async def mailbox_message(message_id: FromPath[int], request: Request,
                          settings: NamedDependency[Settings]) -> Template:
    _only_here(request, settings)
    message = await OutboxEmail.select().where(OutboxEmail.id == message_id).first()
    if message is None:
        raise NotFoundException()
    return Template(template_name="pages/mailbox_message.html", context={"message": message})


HANDLERS = [mailbox, mailbox_message]
