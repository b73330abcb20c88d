"""Bad input on PostgreSQL, which is stricter than SQLite: NUL in text is an error, and an id is a 32-bit
`integer`, so 2147483648 overflows where SQLite would merely find nothing. Every route, as anonymous and as
the area's own people, with crafted paths, queries and form fields: no 5xx."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from storefront.accounts import sessions
from storefront.app import create_app
from storefront.sellers.tables import Seller
from storefront.web import csrf
from storefront.web.viewer import SESSION_COOKIE, Viewer
from tests.integration.commerce import make_account
from tests.integration.test_access_matrix import ROUTES, area_of
from tests.integration.test_bad_input import FIELDS, corrupt

PATH_VALUES = ("2147483648", "99999999999999999999", "²", "\x00", "1")
FIELD_VALUES = ("2147483648", "a\x00b", "²")
AREA_ROLE = {"shop": "shopper", "account": "shopper", "seller": "seller", "operator": "operator", "dev": None,
             "api": None}  # cookies open nothing in the seller API: asked anonymously


@pytest.fixture(scope="module")
async def pg_client(postgres_store) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(postgres_store.settings, postgres_store.backend)) as client:
        yield client


@pytest.fixture(scope="module")
async def people(postgres_store) -> dict[str, tuple[str, Viewer]]:
    seller = await Seller.select(Seller.id).where(Seller.status == "referenced").first()
    found = {}
    for role in ("shopper", "seller", "operator"):
        account = await make_account(role, seller_id=seller["id"] if role == "seller" else None)
        token, state = await sessions.create(account_id=account["id"])
        found[role] = (token, Viewer(session=state))
    return found


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_no_route_answers_bad_input_with_a_server_error_on_postgres(
        method: str, template: str, postgres_store, people, pg_client: AsyncTestClient) -> None:
    role = AREA_ROLE[area_of(template)]
    failures = []
    for asker in ("anonymous", role) if role and template != "/logout" else ("anonymous",):
        pg_client.cookies.clear()
        viewer = Viewer()
        if asker != "anonymous":
            token, viewer = people[asker]
            pg_client.cookies.set(SESSION_COOKIE, token)
        asks = [(corrupt(template, value), "1") for value in PATH_VALUES] if "{" in template else []
        asks += [(corrupt(template, "1"), value) for value in FIELD_VALUES]
        for path, value in asks:
            fields = dict.fromkeys(FIELDS, value)
            if method == "GET":
                response = await pg_client.get(path, params=fields, follow_redirects=False)
            else:
                fields[csrf.FIELD] = csrf.issue(postgres_store.settings.secret_key, viewer)
                response = await pg_client.post(path, data=fields, follow_redirects=False)
            if response.status_code >= 500:
                failures.append(f"{asker} {method} {path[:80]!r} with {value!r}: {response.status_code}")
    assert failures == []
