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
from litestar.middleware import DefineMiddleware
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from piccolo.engine.base import Engine

from search_index.backends import SearchBackend
from search_index.drain import DrainOutboxAfterResponse, OutboxDrainer
from search_index.service import backend_from_settings
from storefront import units
from storefront.accounts.throttles import AccountThrottles
from storefront.audience.buffer import RecipientBuffer
from storefront.audience.service import flush, flush_periodically
from storefront.db import close_pool, open_pool
from storefront.errors import NotFound
from storefront.payments.provider import SandboxProvider
from storefront.sellers.states import SELLER_STATUS_LABELS
from storefront.settings import ROOT, Settings, get_settings
from storefront.web import csrf
from storefront.web.areas import areas
from storefront.web.audience import ActiveRecipientMiddleware
from storefront.web.errors import http_exception_handler, internal_error_handler, not_found_handler
from storefront.web.guards import PUBLIC, SignInRequired, redirect_to_sign_in
from storefront.web.viewer import IdentifyViewer, viewer_of

log = logging.getLogger("storefront")


def _engine() -> Engine:
    """The engine the store's tables run on: piccolo_conf's, unless they were bound to another (a test's own
    copy of the store), so the pool is opened where the queries actually go."""
    from storefront.catalog.tables import Variant

    return Variant._meta.db


async def open_database(settings: Settings | None = None) -> None:
    """Opens the worker's connections for the running event loop; queries borrow them until closed."""
    await open_pool(_engine(), (settings or get_settings()).database_pool_size)


async def close_database() -> None:
    await close_pool(_engine())


async def _scheduled_jobs(settings: Settings, drainer: OutboxDrainer) -> None:
    """Review invitations, outgoing mail, expired sessions, abandoned carts, unpaid orders past their time,
    sellers whose notice has ended, the monthly active-recipient roll-up and the search outbox (what the jobs
    marked, and anything an engine outage left), on a timer. Every worker may run it: each job is idempotent."""
    from storefront.accounts.sessions import purge_expired
    from storefront.audience.service import roll_up
    from storefront.cart.abandoned import purge_abandoned_carts
    from storefront.mail.outbox import deliver_pending
    from storefront.moderation.referencing import apply_due_terminations
    from storefront.orders.transitions import expire_unpaid_orders
    from storefront.reviews.invitations import send_due_invitations

    while True:
        try:
            await send_due_invitations(settings)
            await deliver_pending(settings)
            await purge_expired()
            await purge_abandoned_carts(settings)
            # Before the mail goes out, so the e-mail of an order that expired now leaves in this run.
            await expire_unpaid_orders(settings)
            await apply_due_terminations()
            await roll_up()
            await drainer.drain()
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
    # Every figure a template shows reads through storefront.units, registered here and nowhere else.
    environment.filters.update(money=units.money, percent=units.percent, share_percent=units.share_percent,
                               measured_percent=units.measured_percent, stars=units.stars,
                               machine_time=units.machine_time,
                               stars_out_of_five=units.stars_out_of_five)

    @pass_context
    def csrf_token(context: dict) -> str:
        return csrf.issue(settings.secret_key, viewer_of(context["request"]))

    @pass_context
    def viewer(context: dict):
        return viewer_of(context["request"])

    environment.globals["seller_status_labels"] = SELLER_STATUS_LABELS
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
    drainer = OutboxDrainer(backend, settings.ranking)
    provider = SandboxProvider(settings.payment_webhook_secret)
    # Active recipients (DSA Art. 24(2)): requests note visitors here, the flush task writes them.
    recipients = RecipientBuffer()
    # Sign-in, sign-up and reset throttles, counted where RATE_LIMIT_STORAGE_URL says (every worker shares Redis).
    throttles = AccountThrottles.from_settings(settings)

    async def protect(request: Request) -> None:
        """CSRF for unsafe methods, once the area's guards have let the viewer in (IdentifyViewer loaded it)."""
        if request.url.path.startswith(("/static/", "/media/")):
            return
        await csrf.check(request, viewer_of(request), settings.secret_key)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await open_database(settings)
        jobs = asyncio.create_task(_scheduled_jobs(settings, drainer)) if settings.jobs_interval_seconds > 0 else None
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
        cache_control=CacheControlHeader(max_age=31_536_000, public=True), opt=PUBLIC,
    )
    return Litestar(
        route_handlers=[*areas(settings), static],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "backend": Provide(lambda: backend, use_cache=True, sync_to_thread=False),
            "provider": Provide(lambda: provider, use_cache=True, sync_to_thread=False),
            "throttles": Provide(lambda: throttles, use_cache=True, sync_to_thread=False),
            "viewer": Provide(viewer_of, sync_to_thread=False),
        },
        plugins=[HTMXPlugin()],
        # Outermost first: who is asking is known before anything else runs, guards included.
        middleware=[IdentifyViewer(), ActiveRecipientMiddleware(recipients),
                    # Domain writes mark the search outbox; this drains it once their response is sent.
                    DefineMiddleware(DrainOutboxAfterResponse, drainer=drainer)],
        state=State({"active_recipients": recipients}),
        template_config=_templates(settings),
        exception_handlers={SignInRequired: redirect_to_sign_in, NotFound: not_found_handler,
                            HTTPException: http_exception_handler, Exception: internal_error_handler},
        before_request=protect,
        after_request=_vary_on_htmx,
        lifespan=[lifespan],
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="never",  # 500s are logged with their traceback by internal_error_handler
        ),
        debug=settings.debug,
        openapi_config=None,
    )
