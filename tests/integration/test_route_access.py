"""Every route of the app declares who may reach it: a guard from its area, or the explicit public marker.

A handler added without either fails here, and so does a page under a private prefix (/ops, /seller, /account,
/checkout, /decisions, /dev) that is not behind that area's guard.
"""
from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Template

from storefront.app import create_app
from storefront.settings import get_settings

# Who may enter each private part of the URL space, by the guard's name.
PRIVATE_PREFIXES = {
    "/ops": "requires_operator",
    "/seller": "requires_seller",
    "/account": "requires_sign_in",
    "/checkout": "requires_sign_in",
    "/decisions": "requires_sign_in",
    "/dev": "dev_machine_only",
}
# Public pages whose path sits under a private prefix, each on purpose: applying to sell comes before having a
# seller account. Only exact paths, so nothing else under /seller/apply/… slips out of the seller area.
PUBLIC_UNDER_PRIVATE = {"/seller/apply", "/seller/apply/sent"}


def guard_names(handler: BaseRouteHandler) -> set[str]:
    # Litestar wraps each guard; the wrapped function keeps the name it was declared with.
    return {getattr(getattr(guard, "func", guard), "__name__", repr(guard)) for guard in handler.resolve_guards()}


def handlers_of(app: Litestar) -> list[tuple[str, BaseRouteHandler]]:
    return [(route.path, handler) for route in app.routes for handler in route.route_handlers]


def undeclared(app: Litestar) -> list[str]:
    """Handlers with neither a guard nor the public marker, or with both (a public page behind a guard is a
    contradiction someone will resolve the wrong way)."""
    problems = []
    for path, handler in handlers_of(app):
        guarded, public = bool(handler.resolve_guards()), handler.opt.get("access") == "public"
        if guarded == public:
            problems.append(f"{path} {sorted(handler.http_methods)}: {'both' if guarded else 'no access declared'}")
    return problems


def area_breaches(app: Litestar) -> list[str]:
    problems = []
    for path, handler in handlers_of(app):
        if path in PUBLIC_UNDER_PRIVATE and handler.opt.get("access") == "public":
            continue
        for prefix, guard in PRIVATE_PREFIXES.items():
            if (path == prefix or path.startswith(prefix + "/")) and guard not in guard_names(handler):
                problems.append(f"{path} {sorted(handler.http_methods)} is not behind {guard}")
    return problems


def the_app() -> Litestar:
    return create_app(get_settings(), backend=object())  # the routes only: no search is asked


def app_with(extra: Any) -> Litestar:
    app = the_app()
    app.register(extra)
    return app


def test_every_route_of_the_app_declares_its_access() -> None:
    app = the_app()
    assert len(handlers_of(app)) > 80
    assert undeclared(app) == []


def test_every_private_prefix_is_behind_its_areas_guard() -> None:
    assert area_breaches(the_app()) == []


def test_a_handler_added_without_declaring_access_is_caught() -> None:
    @get("/ops-report-for-the-board", name="forgotten")
    async def forgotten() -> Template:
        return Template(template_name="pages/error.html")

    assert undeclared(app_with(forgotten)) == ["/ops-report-for-the-board ['GET']: no access declared",
                                                               "/ops-report-for-the-board ['OPTIONS']: no access "
                                                               "declared"]


def test_a_console_page_mounted_in_the_public_shop_is_caught() -> None:
    @get("/ops/backdoor", name="backdoor", opt={"access": "public"})
    async def backdoor() -> Template:
        return Template(template_name="pages/error.html")

    assert "/ops/backdoor ['GET'] is not behind requires_operator" in area_breaches(app_with(backdoor))


def test_a_public_page_under_the_seller_prefix_is_only_one_named_as_such() -> None:
    @get("/seller/apply/backdoor", name="apply_backdoor", opt={"access": "public"})
    async def apply_backdoor() -> Template:
        return Template(template_name="pages/error.html")

    assert "/seller/apply/backdoor ['GET'] is not behind requires_seller" in area_breaches(app_with(apply_backdoor))
