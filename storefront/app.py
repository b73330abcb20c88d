"""create_app(): the only place where plugins, templates, routes and dependencies are wired."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from litestar import Litestar, Request, Response
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from search_index.backends import SearchBackend
from search_index.build import IndexSync
from storefront.audience.buffer import RecipientBuffer
from storefront.audience.service import flush, flush_periodically
from storefront.db import close_pool, open_pool
from storefront.legal.figures import percent_from_basis_points
from storefront.money import format_money
from storefront.payments.provider import SandboxProvider
from storefront.search import backend_from_settings
from storefront.settings import ROOT, Settings, get_settings
from storefront.web import (
    accounts,
    browse,
    cart,
    checkout,
    contact,
    csrf,
    legal,
    mailbox,
    media,
    my_orders,
    notices,
    ops,
    ops_catalog,
    payments,
    product,
    review_forms,
    review_reports,
    reviews,
    seller_portal,
)
from storefront.web.audience import ActiveRecipientMiddleware
from storefront.web.errors import http_exception_handler, internal_error_handler
from storefront.web.guards import SignInRequired, redirect_to_sign_in
from storefront.web.viewer import load_viewer, viewer_of

log = logging.getLogger("storefront")


def _engine():
    from piccolo_conf import DB

    return DB


async def open_database(settings: Settings | None = None) -> None:
    """Opens the worker's connections for the running event loop; queries borrow them until closed."""
    await open_pool(_engine(), (settings or get_settings()).database_pool_size)


async def close_database() -> None:
    await close_pool(_engine())


async def _scheduled_jobs(settings: Settings, sync: IndexSync) -> None:
    """Review invitations, outgoing mail, expired sessions, sellers whose notice has ended and the monthly
    active-recipient roll-up, on a timer. Every worker may run it: each job is idempotent."""
    from storefront.accounts.sessions import purge_expired
    from storefront.audience.service import roll_up
    from storefront.mail.outbox import deliver_pending
    from storefront.moderation.referencing import apply_due_terminations
    from storefront.reviews.invitations import send_due_invitations

    while True:
        try:
            await send_due_invitations(settings)
            await deliver_pending(settings)
            await purge_expired()
            await apply_due_terminations(sync=sync)
            await roll_up()
        except Exception:
            log.exception("scheduled jobs failed; trying again at the next run")
        await asyncio.sleep(settings.jobs_interval_seconds)


def _static_version(root: Path) -> str:
    """Changes whenever a stylesheet or script changes, so assets can be cached for a year."""
    files = sorted(p for p in (root / "static").rglob("*") if p.is_file())
    return format(sum(int(p.stat().st_mtime) for p in files) % 1_000_000, "x")


def _templates(settings: Settings) -> TemplateConfig:
    environment = Environment(
        loader=FileSystemLoader(ROOT / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Checking every template file's date on each render is for editing them, not for serving pages.
        auto_reload=settings.debug,
    )
    environment.filters["money"] = format_money
    # Fee and commission rates in basis points become text through integers only.
    environment.filters["percent"] = percent_from_basis_points

    @pass_context
    def csrf_token(context: dict) -> str:
        return csrf.issue(settings.secret_key, viewer_of(context["request"]))

    @pass_context
    def viewer(context: dict):
        return viewer_of(context["request"])

    environment.globals.update(settings=settings, brand_name=settings.brand_name,
                               static_version=_static_version(ROOT), csrf_token=csrf_token, viewer=viewer,
                               csrf_field_name=csrf.FIELD)
    engine = JinjaTemplateEngine.from_environment(environment)
    # Litestar registers a csrf_token of its own (for its CSRF middleware, unused here): ours wins.
    environment.globals["csrf_token"] = csrf_token
    return TemplateConfig(instance=engine)


def _vary_on_htmx(response: Response) -> Response:
    """Pages answer HTMX with a fragment and everyone else with the full page: caches must know."""
    response.headers["Vary"] = "HX-Request"
    return response


def create_app(settings: Settings | None = None, backend: SearchBackend | None = None) -> Litestar:
    settings = settings or get_settings()
    backend = backend or backend_from_settings(settings)
    sync = IndexSync(backend, settings.ranking)
    provider = SandboxProvider(settings.payment_webhook_secret)
    # Active recipients (DSA Art. 24(2)): requests note visitors here, the flush task writes them.
    recipients = RecipientBuffer()

    async def identify_and_protect(request: Request) -> None:
        """Who is asking (only if they carry a session cookie), then CSRF for unsafe methods."""
        if request.url.path.startswith(("/static/", "/media/")):
            return
        request.state.viewer = await load_viewer(request)
        await csrf.check(request, request.state.viewer, settings.secret_key)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await open_database(settings)
        jobs = asyncio.create_task(_scheduled_jobs(settings, sync)) if settings.jobs_interval_seconds > 0 else None
        flushing = (asyncio.create_task(flush_periodically(recipients, settings.active_recipients_flush_seconds))
                    if settings.active_recipients_flush_seconds > 0 else None)
        try:
            yield
        finally:
            for task in (jobs, flushing):
                if task:
                    task.cancel()
                    # Wait for it to stop: a query still running must not outlive the event loop.
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            try:
                await flush(recipients)
            except Exception:
                log.exception("active-recipient marks could not be written at shutdown")
            await close_database()

    static = create_static_files_router(
        path="/static", directories=[ROOT / "static"],
        cache_control=CacheControlHeader(max_age=31_536_000, public=True),
    )
    return Litestar(
        route_handlers=[browse.home, browse.search_page, browse.category_page, product.product_page,
                        media.variant_picture, *legal.HANDLERS, *accounts.HANDLERS,
                        *cart.HANDLERS,
                        *checkout.HANDLERS, *payments.HANDLERS, *my_orders.HANDLERS, *seller_portal.HANDLERS,
                        *mailbox.HANDLERS, *reviews.HANDLERS, *review_forms.HANDLERS, *review_reports.HANDLERS,
                        *ops.HANDLERS, *ops_catalog.HANDLERS, *notices.HANDLERS, *contact.HANDLERS,
                        static],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "backend": Provide(lambda: backend, use_cache=True, sync_to_thread=False),
            "sync": Provide(lambda: sync, use_cache=True, sync_to_thread=False),
            "provider": Provide(lambda: provider, use_cache=True, sync_to_thread=False),
        },
        plugins=[HTMXPlugin()],
        middleware=[ActiveRecipientMiddleware(recipients)],
        state=State({"active_recipients": recipients}),
        template_config=_templates(settings),
        exception_handlers={SignInRequired: redirect_to_sign_in, HTTPException: http_exception_handler,
                            Exception: internal_error_handler},
        before_request=identify_and_protect,
        after_request=_vary_on_htmx,
        lifespan=[lifespan],
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="never",  # 500s are logged with their traceback by internal_error_handler
        ),
        debug=settings.debug,
        openapi_config=None,
    )
