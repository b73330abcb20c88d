"""Every id in a path is read as `storefront.web.inputs.Id`: 1 to 2^31 − 1, so no number a table cannot hold
reaches a query (a larger one overflows SQLite's driver and PostgreSQL's `integer`)."""
from __future__ import annotations

import re

from storefront.app import create_app
from storefront.inputs import MAX_ID
from storefront.settings import get_settings


def _int_path_parameters() -> list[tuple[str, str, object]]:
    app = create_app(get_settings(), backend=object())  # the routes only: no search is asked
    found = []
    for route in app.routes:
        for name in re.findall(r"\{(\w+):int\}", route.path):
            for handler in route.route_handlers:
                if handler.http_methods == {"OPTIONS"}:
                    continue  # Litestar's own answer to OPTIONS reads no parameter
                parameter = handler.parsed_fn_signature.parameters.get(name)
                found.append((route.path, name, parameter.kwarg_definition if parameter else None))
    return found


def test_every_int_path_parameter_is_a_bounded_id() -> None:
    found = _int_path_parameters()
    assert len(found) >= 30  # 32 handlers have an id in their path today: an empty list must not pass
    unbounded = [(path, name) for path, name, definition in found
                 if getattr(definition, "ge", None) != 1 or getattr(definition, "le", None) != MAX_ID]
    assert unbounded == []


def test_the_bound_is_what_postgresql_integer_holds() -> None:
    assert MAX_ID == 2_147_483_647
