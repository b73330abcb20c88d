"""Bad input never gets a 500: every route of the app, asked with crafted values in its path, its query and its
form fields, as anonymous and as the people who may use it, answers a page, a redirect, 400 or 404.

The values are those that used to give 500: digits `int()` cannot read ("²", "١"), ids beyond what a table holds,
NUL, signs, spaces, exponents and very long text. The world (two shoppers with delivered orders, two sellers, an
operator) is the access matrix's; each person asks with their own objects in the path, so the handlers behind
the guards read the crafted fields. The same corpus runs on PostgreSQL, which refuses NUL in text outright.
"""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from search_index.service import backend_from_settings
from storefront.accounts import sessions
from storefront.app import create_app
from storefront.settings import Settings
from storefront.web import csrf
from storefront.web.viewer import SESSION_COOKIE, Viewer
from tests.integration.test_access_matrix import ROUTES, World, area_of, as_person, fill
from tests.integration.test_access_matrix import world as world

# In a path, where each value reaches the route's own parsing.
PATH_CORPUS = ("²", "١", "99999999999999999999", "2147483648", "-1", "0", "\x00", "a\x00b", "1e3", " 1", "1.5",
               "\x1b[0m", "9" * 400)
# In every query parameter and form field at once: values that pass the door (no NUL, which the door turns away
# with a 400 for every route alike) and reach each handler's parsing, plus one that does not.
FIELD_CORPUS = ("²", "١", "99999999999999999999", "-1", "1e3", " 1", "a\x00b", "é" * 1000)
# A URL has a length limit: a very long value goes in these query parameters only.
LONG_QUERY = ("q", "page", "sort", "next", "subject", "status", "token")
# Every field and query parameter the app's forms and pages read (templates, controllers, domain forms).
FIELDS = ("q", "page", "sort", "brand", "grade", "storage", "color", "price_min", "price_max", "status", "period",
          "subject", "topic", "next", "token", "line", "email", "password", "name", "message", "comment", "rating",
          "quality_price", "delivery", "packaging", "performance", "aesthetics", "quantity", "offer_id",
          "seller_order_id", "order_reference", "reason", "facts", "ground", "decision", "outcome", "explanation",
          "location", "category", "good_faith", "note", "answer", "carrier", "tracking_number", "card_number",
          "expiry", "cvc", "holder", "payment_means", "city", "postcode", "country", "phone", "kind",
          "idempotency_key", "self_certified", "legal_name", "vat_number", "trade_register_number", "iban",
          "description", "referrer", "username", "account_name", "account_email", "shop_name", "accepted_conditions",
          "address", "representative_name", "id_document", "payment_account", "brand_name", "model_name",
          "storage_gb", "ean", "specifications", "manufacturer_name", "manufacturer_address", "manufacturer_country",
          "manufacturer_email", "eu_responsible_name", "eu_responsible_address", "eu_responsible_email",
          "product_type", "safety_information", "url", "enabled", "done", "amount", "reduction_reason", "reasons",
          "resolution", "claim_done", "paused", "csv", "imei_or_serial", "found_state",
          # Trade-in: the /sell steps and questions, accepting a quote, the person's answers.
          "brand", "model", "storage", "works", "screen", "body", "locks_removed", "id_document_type",
          "id_document_number", "holder_name", "declaration", "tracking", "accepted")
# Who asks on each area: anonymous everywhere (turned away from private areas), and the area's own people.
ASKERS = {"shop": ("anonymous", "shopper_a"), "account": ("anonymous", "shopper_a"),
          "seller": ("anonymous", "seller_x"), "operator": ("anonymous", "operator"), "dev": ("anonymous",),
          # Cookies open nothing in the seller API: tests/integration/test_seller_api_schema.py fuzzes it with a
          # token, valid and invalid data alike.
          "api": ("anonymous",)}
# Whose objects fill each asker's path: the other party's "other" is the asker itself.
OWN = {"anonymous": "operator", "shopper_a": "shopper_b", "seller_x": "seller_y", "operator": "operator"}
PAGES = [(method, path) for method, path in ROUTES]


def fill_own(template: str, asker: str, world: World) -> str:
    """The template with the asker's own objects (or real public ones) in its path."""
    return fill(template, OWN[asker], world)


def corrupt(template: str, value: str) -> str:
    """The template with every path parameter replaced by `value`."""
    return re.sub(r"\{(\w+):\w+\}", lambda _: quote(value, safe=""), template)


async def send(client: AsyncTestClient, method: str, path: str, asker: str, world: World, value: str):
    viewer = await as_person(client, path, asker, world)
    fields = dict.fromkeys(FIELDS if len(value) < 100 or method != "GET" else LONG_QUERY, value)
    if method == "GET":
        return await client.get(path, params=fields, follow_redirects=False)
    return await client.post(path, data={**fields, csrf.FIELD: csrf.issue(world.settings.secret_key, viewer)},
                             follow_redirects=False)


@pytest.fixture(scope="module")
async def bad_input_client(module_store: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(module_store, backend_from_settings(module_store))) as client:
        yield client


async def ask_with_corpus(client: AsyncTestClient, method: str, template: str, world: World) -> list[str]:
    failures = []
    askers = ASKERS[area_of(template)]
    asks = [(asker, fill_own(template, asker, world), value) for asker in askers for value in FIELD_CORPUS]
    if "{" in template:  # the path corrupted, asked by the area's own people (anonymous is turned away first)
        asks += [(askers[-1], corrupt(template, value), "1") for value in PATH_CORPUS]
    for asker, path, value in asks:
        response = await send(client, method, path, asker, world, value)
        if response.status_code >= 500:
            failures.append(f"{asker} {method} {path[:80]!r} with {value[:12]!r}: {response.status_code}")
    return failures


@pytest.mark.parametrize(("method", "template"), PAGES, ids=[f"{m} {p}" for m, p in PAGES])
async def test_no_route_answers_bad_input_with_a_server_error(method: str, template: str, world: World,
                                                              bad_input_client: AsyncTestClient) -> None:
    assert await ask_with_corpus(bad_input_client, method, template, world) == []


async def test_an_id_beyond_any_table_is_the_404_page(bad_input_client: AsyncTestClient) -> None:
    response = await bad_input_client.get("/reviews/99999999999999999999/report")
    assert response.status_code == 404
    assert "We could not find that page" in response.text


async def test_a_nul_in_a_static_path_is_not_found(bad_input_client: AsyncTestClient) -> None:
    response = await bad_input_client.get("/static/css/encore.css%00.js")
    assert response.status_code == 404


async def test_a_nul_in_a_form_field_is_named_on_the_400_page(module_store: Settings,
                                                              bad_input_client: AsyncTestClient) -> None:
    token = csrf.issue(module_store.secret_key, Viewer())
    bad_input_client.cookies.clear()
    response = await bad_input_client.post("/login", data={csrf.FIELD: token, "email": "a\x00@b.c",
                                                           "password": "x"}, follow_redirects=False)
    assert response.status_code == 400
    assert "“email”" in response.text
    assert "control character" in response.text


async def test_a_csrf_token_with_a_superscript_two_is_refused(bad_input_client: AsyncTestClient) -> None:
    bad_input_client.cookies.clear()
    response = await bad_input_client.post("/contact", data={csrf.FIELD: "²².abc"}, follow_redirects=False)
    assert response.status_code == 403


async def test_a_superscript_page_number_is_the_first_page(bad_input_client: AsyncTestClient) -> None:
    response = await bad_input_client.get("/search", params={"q": "iphone", "page": "²"})
    assert response.status_code == 200


TEXT = st.text(alphabet=st.sampled_from("0123456789²١٣ -+.e\x00\x1fa€\n"), max_size=25) | st.text(max_size=25)


@hypothesis_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=TEXT, page=TEXT, price_min=TEXT, sort=TEXT, subject=TEXT)
async def test_search_and_report_read_any_text(q: str, page: str, price_min: str, sort: str, subject: str,
                                               bad_input_client: AsyncTestClient) -> None:
    bad_input_client.cookies.clear()
    search = await bad_input_client.get("/search", params={"q": q, "page": page, "price_min": price_min,
                                                          "sort": sort})
    report = await bad_input_client.get("/report", params={"subject": subject})
    assert search.status_code < 500
    assert report.status_code < 500


@hypothesis_settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=TEXT, message=TEXT, name=TEXT)
async def test_forms_read_any_text(email: str, message: str, name: str, module_store: Settings,
                                   bad_input_client: AsyncTestClient) -> None:
    bad_input_client.cookies.clear()
    token = csrf.issue(module_store.secret_key, Viewer())
    for action in ("/signup", "/contact"):
        response = await bad_input_client.post(action, data={
            csrf.FIELD: token, "email": email, "password": message, "name": name, "message": message,
            "topic": name}, follow_redirects=False)
        assert response.status_code < 500, action


async def test_a_query_parameter_litestar_cannot_read_is_the_html_400_page(
        world: World, bad_input_client: AsyncTestClient) -> None:
    bad_input_client.cookies.clear()
    token, _ = await sessions.create(account_id=world.parties["seller_x"].account["id"])
    bad_input_client.cookies.set(SESSION_COOKIE, token)
    response = await bad_input_client.get("/seller/orders", params={"page": "²"}, follow_redirects=False)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Something in that request was not right" in response.text
