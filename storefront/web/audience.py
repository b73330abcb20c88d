"""Which requests make someone an active recipient (DSA Art. 24(2)), noted in memory as the response goes out.

Counted: a full page shown (GET answered 200 with HTML, not an HTMX fragment) and content posted (a POST by a
signed-in person answered with its 303 redirect). Not counted: pictures, stylesheets, the developer and
operator tools, errors, and robots. The middleware only adds an entry to the worker's RecipientBuffer; it
never touches the database, which the background flush does (storefront.audience.service).
"""
from __future__ import annotations

import re

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from storefront.audience.buffer import RecipientBuffer

# /ops/ is the operator's own staff at work, not a recipient of the service.
UNCOUNTED_PREFIXES = ("/static/", "/media/", "/dev/", "/ops/")

# The one list of robots, in lower case, matched anywhere in the lower-cased User-Agent (ten times cheaper
# than an IGNORECASE search); a request without a User-Agent is a robot too. Search engines and link
# previews (bot, crawl, spider, slurp, facebookexternalhit, preview), headless browsers and HTTP libraries
# (headless, python, curl, wget, httpx, go-http, java/, libwww, scrapy, okhttp, axios, node-fetch), audit
# and uptime tools (lighthouse, monitor, uptime, pingdom, statuscake, site24x7), and Litestar's test client.
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|facebookexternalhit|preview|headless|python|curl|wget|httpx|go-http|java/|libwww"
    r"|scrapy|okhttp|axios|node-fetch|lighthouse|monitor|uptime|pingdom|statuscake|site24x7|testclient"
)

FULL_PAGE_HTMX_HEADERS = (b"hx-history-restore-request", b"hx-boosted")


def is_robot(user_agent: str) -> bool:
    return not user_agent or BOT_USER_AGENT.search(user_agent.lower()) is not None


class ActiveRecipientMiddleware(ASGIMiddleware):
    """Notes counted requests in the worker's one RecipientBuffer, shared by every request on purpose."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, buffer: RecipientBuffer) -> None:
        self.buffer = buffer

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # `scopes` above lets only HTTP through, so the scope carries a method.
        if scope["type"] != ScopeType.HTTP:
            await next_app(scope, receive, send)
            return
        method = scope["method"]
        if method not in ("GET", "POST") or scope["path"].startswith(UNCOUNTED_PREFIXES):
            await next_app(scope, receive, send)
            return
        answer: list = [0, b""]  # status, content type

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer[0] = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"content-type":
                        answer[1] = value
                        break
            await send(message)

        await next_app(scope, receive, watch)

        # IdentifyViewer, outside this middleware, keeps the viewer in the request state.
        viewer = scope.get("state", {}).get("viewer")
        account = viewer.account if viewer is not None else None
        if method == "GET":
            if answer[0] != 200 or not answer[1].startswith(b"text/html"):
                return
        elif answer[0] != 303 or account is None:
            return
        user_agent = language = ""
        fragment = whole_page = False
        for name, value in scope["headers"]:
            if name == b"user-agent":
                user_agent = value.decode("latin-1")
            elif name == b"accept-language":
                language = value.decode("latin-1")
            elif name == b"hx-request":
                fragment = value == b"true"
            elif name in FULL_PAGE_HTMX_HEADERS and value == b"true":
                whole_page = True
        # An HTMX swap is a fragment of a page already counted; history restores and boosted links are whole
        # pages, as in storefront.web.htmx.wants_fragment.
        if (fragment and not whole_page and method == "GET") or is_robot(user_agent):
            return
        # Behind a reverse proxy this is the proxy's address unless the server trusts its forwarded headers;
        # anonymous visitors are then told apart by browser and languages only, and undercounted.
        client = scope.get("client")
        self.buffer.note(client[0] if client else "", user_agent, language, account["id"] if account else None)
