"""create_app(): the only place where plugins, templates, routes and dependencies are wired."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
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
from storefront.jobs.embedded import EmbeddedRunner, cancel_and_wait
from storefront.jobs.registry import JOBS, JobContext, Waker
from storefront.payments.provider import PaymentProvider
from storefront.payments.providers import provider_from_settings
from storefront.sellers.states import SELLER_STATUS_LABELS
from storefront.settings import ROOT, Settings, get_settings
from storefront.web import crawlers, csrf, seller_api
from storefront.web.areas import areas
from storefront.web.audience import ActiveRecipientMiddleware
from storefront.web.edge import TrustForwardedHeaders, allowed_hosts_config
from storefront.web.errors import http_exception_handler, internal_error_handler, not_found_handler
from storefront.web.guards import SignInRequired, redirect_to_sign_in
from storefront.web.headers import security_headers
from storefront.web.inputs import RefuseUnreadableAddresses, check_posted_form
from storefront.web.mail_after_response import SendMailAfterResponse
from storefront.web.refunds_after_response import SendRefundsAfterResponse
from storefront.web.seller_api.auth import carries_bearer_token
from storefront.web.seller_api.problems import unless_api
from storefront.web.static_assets import StaticAssets, static_files
from storefront.web.transfer import transfer_layer
from storefront.web.unavailable import LOST_CONNECTION, RetryOnLostConnection, unavailable_handler
from storefront.web.viewer import IdentifyViewer, viewer_of
from storefront.web.webhooks_after_response import SendWebhooksAfterResponse

if TYPE_CHECKING:
    import procrastinate

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


def _job_runners(settings: Settings, drainer: OutboxDrainer
                 ) -> tuple[EmbeddedRunner | None, procrastinate.App | None, Waker]:
    """Who runs the jobs of storefront.jobs.registry: this process (embedded), or queue workers, to which this
    process only defers work (its procrastinate app is returned, to be opened with the app)."""
    if settings.job_queue == "procrastinate":
        from storefront.jobs.queue import QueueWaker, queue_app

        queue = queue_app(settings, pool_size=1)
        return None, queue, QueueWaker(queue)
    runner = EmbeddedRunner(JOBS, JobContext(settings, drainer.drain))
    return runner, None, runner


def _templates(settings: Settings, assets: StaticAssets) -> TemplateConfig:
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

    @pass_context
    def canonical_url(context: dict, page: int = 1) -> str:
        return crawlers.canonical_url(settings.public_base_url, context["request"].url.path, page)

    environment.globals["seller_status_labels"] = SELLER_STATUS_LABELS
    environment.globals.update(settings=settings, brand_name=settings.brand_name,
                               static_url=assets.url, csrf_token=csrf_token, viewer=viewer,
                               canonical_url=canonical_url,
                               csrf_field_name=csrf.FIELD)
    engine = JinjaTemplateEngine.from_environment(environment)
    # Litestar registers a csrf_token of its own (for its CSRF middleware, unused here): ours wins.
    environment.globals["csrf_token"] = csrf_token
    return TemplateConfig(instance=engine)


def _vary_on_htmx(response: Response) -> Response:
    """Pages answer HTMX with a fragment and everyone else with the full page: caches must know. Added to
    what the handler said varies, not put in its place (the compression adds Accept-Encoding later)."""
    varies = [name.strip() for name in response.headers.get("Vary", "").split(",") if name.strip()]
    if "hx-request" not in (name.lower() for name in varies):
        response.headers["Vary"] = ", ".join([*varies, "HX-Request"])
    return response


def create_app(settings: Settings | None = None, backend: SearchBackend | None = None,
               provider: PaymentProvider | None = None) -> Litestar:
    settings = settings or get_settings()
    settings.refuse_unsafe_production()
    provider = provider or provider_from_settings(settings)
    backend = backend or backend_from_settings(settings)
    drainer = OutboxDrainer(backend, settings.ranking)
    # Active recipients (DSA Art. 24(2)): requests note visitors here, the flush task writes them.
    recipients = RecipientBuffer()
    runner, queue, waker = _job_runners(settings, drainer)
    # Sign-in, sign-up and reset throttles, counted where RATE_LIMIT_STORAGE_URL says (every worker shares Redis).
    throttles = AccountThrottles.from_settings(settings)

    async def protect(request: Request) -> None:
        """CSRF for unsafe methods, then no form field with text no database can hold (the 400 page names them),
        once the area's guards have let the viewer in (IdentifyViewer loaded it)."""
        if request.url.path.startswith(("/static/", "/media/")):
            return
        if carries_bearer_token(request):
            # The seller API's guard has checked the token, its only credential: no cookie is read there, so
            # there is nothing for another site to ride on (storefront.web.seller_api.auth).
            return
        await csrf.check(request, viewer_of(request), settings.secret_key, settings.public_base_url)
        await check_posted_form(request)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await open_database(settings)
        if queue is not None:
            await queue.open_async()
        jobs = asyncio.create_task(runner.run_forever()) if runner is not None else None
        flushing = (asyncio.create_task(flush_periodically(recipients, settings.active_recipients_flush_seconds))
                    if settings.active_recipients_flush_seconds > 0 else None)
        try:
            yield
        finally:
            # Wait for each to stop: a query still running must not outlive the event loop.
            if jobs is not None:
                await cancel_and_wait(jobs)
            if flushing is not None:
                flushing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flushing
            try:
                await flush(recipients)
            except Exception:
                log.exception("active-recipient marks could not be written at shutdown")
            if queue is not None:
                await queue.close_async()
            await close_database()

    assets = StaticAssets(ROOT / "static", watch=settings.debug)
    page_handlers: dict[type[Exception], Callable[..., Response]] = {
        SignInRequired: redirect_to_sign_in, NotFound: not_found_handler,
        HTTPException: http_exception_handler, Exception: internal_error_handler,
        # The database busy or its connection lost: 503 with what was typed, never a 500.
        **dict.fromkeys((sqlite3.OperationalError, *LOST_CONNECTION), unavailable_handler)}
    app = Litestar(
        route_handlers=[*areas(settings), static_files(assets)],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "backend": Provide(lambda: backend, use_cache=True, sync_to_thread=False),
            "provider": Provide(lambda: provider, use_cache=True, sync_to_thread=False),
            "throttles": Provide(lambda: throttles, use_cache=True, sync_to_thread=False),
            "viewer": Provide(viewer_of, sync_to_thread=False),
        },
        plugins=[HTMXPlugin()],
        # Outermost first: a request that lost its database connection runs once more; the client's address and
        # scheme are settled (from a trusted proxy's word) before anyone reads them; an address holding NUL is
        # refused before anything reads it; who is asking is known before anything else runs, guards included.
        middleware=[RetryOnLostConnection, DefineMiddleware(TrustForwardedHeaders, settings=settings),
                    RefuseUnreadableAddresses, IdentifyViewer(), ActiveRecipientMiddleware(recipients),
                    # Domain writes mark the search outbox; this drains it once their response is sent.
                    DefineMiddleware(DrainOutboxAfterResponse, drainer=drainer),
                    # A request that queued mail wakes the mail job once its response is sent.
                      DefineMiddleware(SendMailAfterResponse, waker=waker),
                      # And one that recorded a webhook event wakes the webhooks job.
                      DefineMiddleware(SendWebhooksAfterResponse, waker=waker),
                      # And one that booked a refund wakes the job that sends it to the provider.
                      DefineMiddleware(SendRefundsAfterResponse, waker=waker)],
        # `job_waker`: a handler that queued work for a job wakes it after its response (an offer import).
        state=State({"active_recipients": recipients, "job_waker": waker}),
        template_config=_templates(settings, assets),
        # The seller API answers every error with problem details (storefront.web.seller_api.problems).
        exception_handlers={exception: unless_api(handler) for exception, handler in page_handlers.items()},
        before_request=protect,
        after_request=_vary_on_htmx,
        before_send=[security_headers(settings)],
        allowed_hosts=allowed_hosts_config(settings),
        lifespan=[lifespan],
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="never",  # 500s are logged with their traceback by internal_error_handler
        ),
        debug=settings.debug,
        # The one OpenAPI schema is the seller API's: every other route stays out of it.
        openapi_config=seller_api.openapi_config(settings),
        include_in_schema=False,
    )
    # Around the router, not in `middleware`: the router refuses HEAD before any middleware runs.
    app.asgi_handler = transfer_layer(app.asgi_handler)
    return app
