"""The seller API (/api/seller/v1) through HTTP: tokens, who gets in, each endpoint, and the shape of errors.

Each test makes its own sellers, buyers and paid orders on its own copy of the demo store (the `Shop` builder
of the seller portal's tests), and its own API tokens through the service the portal calls.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.api import tokens
from storefront.api.tables import ApiToken
from storefront.app import create_app
from storefront.orders import transitions
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.integration.test_route_access import guard_names, handlers_of
from tests.integration.test_seller_portal import (
    CSRF,
    Shop,
    commissions_of,
    post_form,
    seller_signed_in,
    sign_in,
    status_of,
    text_of,
)

API = "/api/seller/v1"
PROBLEM = "application/problem+json"


@pytest.fixture
async def market(prepared_store: Settings, backend) -> Shop:
    return Shop(prepared_store, OutboxDrainer(backend, prepared_store.ranking))


async def token_for(seller_id: int, name: str = "Warehouse sync") -> str:
    return (await tokens.create_token(seller_id, tokens.TokenInput(name))).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int) -> dict:
    """An RFC 9457 problem details answer with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    assert body["instance"] == response.request.url.path
    return body


# Who gets in


async def test_a_call_without_a_token_is_refused_with_a_bearer_challenge(client: AsyncTestClient) -> None:
    response = await client.get(f"{API}/orders")
    body = assert_problem(response, 401)
    assert body["title"] == "Unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_wrong_token_is_refused(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    real = await token_for(seller["id"])
    wrong = real[:-4] + ("aaaa" if not real.endswith("aaaa") else "bbbb")
    assert_problem(await client.get(f"{API}/orders", headers=bearer(wrong)), 401)
    assert_problem(await client.get(f"{API}/orders", headers={"Authorization": f"Basic {real}"}), 401)


async def test_a_revoked_token_is_refused_at_once(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    created = await tokens.create_token(seller["id"], tokens.TokenInput("Old ERP"))
    assert (await client.get(f"{API}/orders", headers=bearer(created.token))).status_code == 200

    await tokens.revoke_token(seller["id"], created.id)

    body = assert_problem(await client.get(f"{API}/orders", headers=bearer(created.token)), 401)
    assert body["detail"] == "This API token is wrong or was revoked."


async def test_a_sellers_session_cookie_does_not_open_the_api(client: AsyncTestClient, market: Shop) -> None:
    """The token is the one credential: a signed-in seller's browser gets nothing from its cookie alone."""
    await seller_signed_in(market, client)
    assert_problem(await client.get(f"{API}/orders"), 401)


async def test_the_token_is_stored_as_its_sha256_and_a_short_prefix_only(market: Shop) -> None:
    seller = await market.seller()
    created = await tokens.create_token(seller["id"], tokens.TokenInput("Warehouse sync"))

    row = await ApiToken.select().where(ApiToken.id == created.id).first()
    assert created.token.startswith("enc_") and len(created.token) == 47
    assert row["token_hash"] == hashlib.sha256(created.token.encode()).hexdigest()
    assert row["prefix"] == created.token[:12]
    assert not any(created.token in str(value) for value in row.values())


async def test_a_call_notes_when_the_token_was_last_used(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    created = await tokens.create_token(seller["id"], tokens.TokenInput("Warehouse sync"))
    await client.get(f"{API}/orders", headers=bearer(created.token))
    row = await ApiToken.select(ApiToken.last_used_at).where(ApiToken.id == created.id).first()
    assert row["last_used_at"] is not None


async def test_every_api_route_but_the_schema_is_behind_the_token_guard() -> None:
    from tests.integration.test_route_access import the_app

    routes = [(path, handler) for path, handler in handlers_of(the_app()) if path.startswith(API)]
    guarded = {path for path, handler in routes if "requires_api_token" in guard_names(handler)}
    schema = {path for path, handler in routes if "schema_only" in guard_names(handler)}
    assert schema == {API, f"{API}/openapi.json", f"{API}/{{path:str}}"}
    assert guarded == {path for path, _ in routes} - schema
    assert f"{API}/orders" in guarded


async def test_calls_beyond_the_tokens_rate_get_429_with_retry_after(prepared_store: Settings, backend,
                                                                     market: Shop) -> None:
    settings = replace(prepared_store, throttles=replace(prepared_store.throttles,
                                                         seller_api_requests_per_token="3 per minute"))
    seller = await market.seller()
    token, other_token = await token_for(seller["id"]), await token_for(seller["id"], "Second system")
    async with AsyncTestClient(app=create_app(settings, backend)) as client:
        answers = [(await client.get(f"{API}/orders", headers=bearer(token))).status_code for _ in range(4)]
        refused = await client.get(f"{API}/orders", headers=bearer(token))
        other = await client.get(f"{API}/orders", headers=bearer(other_token))

    assert answers == [200, 200, 200, 429]
    body = assert_problem(refused, 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "retry in" in body["detail"]
    assert other.status_code == 200, "the rate is counted per token"


# Orders


async def test_orders_are_listed_by_state_and_scoped_to_the_tokens_seller(client: AsyncTestClient,
                                                                         market: Shop) -> None:
    seller, other = await market.seller(), await market.seller()
    buyer = await market.account()
    first = await market.paid_order(buyer, seller["offer"], quantity=2)
    second = await market.paid_order(buyer, seller["offer"])
    theirs = await market.paid_order(buyer, other["offer"])
    await transitions.accept(second["id"], seller_id=seller["id"], settings=market.settings)
    headers = bearer(await token_for(seller["id"]))

    everything = (await client.get(f"{API}/orders", headers=headers)).json()
    pending = (await client.get(f"{API}/orders", params={"state": "pending"}, headers=headers)).json()

    assert [o["id"] for o in everything["orders"]] == [second["id"], first["id"]]
    assert everything["total"] == 2 and everything["page"] == 1 and everything["per_page"] == 25
    assert pending["orders"] == [{
        "id": first["id"], "reference": first["reference"], "state": "pending", "total_cents": 40_485,
        "currency": "EUR", "item_count": 2, "promised_delivery_date": pending["orders"][0]["promised_delivery_date"],
        "paid_at": pending["orders"][0]["paid_at"], "city": "Lyon"}]
    assert theirs["id"] not in [o["id"] for o in everything["orders"]]


async def test_an_unknown_state_is_a_400_naming_the_parameter(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    headers = bearer(await token_for(seller["id"]))
    response = await client.get(f"{API}/orders", params={"state": "lost"}, headers=headers)
    body = assert_problem(response, 400)
    assert [e["parameter"] for e in body["errors"]] == ["state"]


async def test_one_order_reads_with_its_lines_address_and_history(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])

    body = (await client.get(f"{API}/orders/{order['id']}", headers=bearer(await token_for(seller["id"])))).json()

    assert body["reference"] == order["reference"] and body["state"] == "pending"
    assert (body["items_cents"], body["shipping_cents"], body["total_cents"]) == (20_000, 485, 20_485)
    assert body["commission_cents"] is None
    assert body["delivery"]["line1"] == "3 rue des Lilas" and body["delivery"]["postcode"] == "69003"
    assert [(line["offer_id"], line["quantity"], line["unit_price_cents"]) for line in body["lines"]] == [
        (seller["offer"], 1, 20_000)]
    assert body["events"][-1]["state"] == "pending"


async def test_another_sellers_order_answers_404_and_does_not_move(client: AsyncTestClient, market: Shop) -> None:
    seller, other = await market.seller(), await market.seller()
    theirs = await market.paid_order(await market.account(), other["offer"])
    headers = bearer(await token_for(seller["id"]))

    assert_problem(await client.get(f"{API}/orders/{theirs['id']}", headers=headers), 404)
    assert_problem(await client.post(f"{API}/orders/{theirs['id']}/accept", headers=headers), 404)
    assert_problem(await client.post(f"{API}/orders/{theirs['id']}/refuse", json={}, headers=headers), 404)
    assert await status_of(theirs["id"]) == "pending"


async def test_an_order_id_out_of_range_is_a_404(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    assert_problem(await client.get(f"{API}/orders/0", headers=bearer(await token_for(seller["id"]))), 404)


async def test_accepting_books_the_commission_once_and_twice_is_a_409(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])
    headers = bearer(await token_for(seller["id"]))

    accepted = await client.post(f"{API}/orders/{order['id']}/accept", headers=headers)
    again = await client.post(f"{API}/orders/{order['id']}/accept", headers=headers)

    assert accepted.status_code == 200
    assert accepted.json()["state"] == "accepted" and accepted.json()["commission_cents"] == 2_049
    body = assert_problem(again, 409)
    assert body["detail"] == "This order is already “Confirmed by the seller”."
    assert await commissions_of(order["id"]) == [2_049]


async def test_refusing_gives_the_reason_refunds_and_puts_the_stock_back(client: AsyncTestClient,
                                                                         market: Shop) -> None:
    seller = await market.seller()
    stock_before = (await Offer.select(Offer.stock).where(Offer.id == seller["offer"]).first())["stock"]
    order = await market.paid_order(await market.account(), seller["offer"], quantity=2)

    response = await client.post(f"{API}/orders/{order['id']}/refuse", json={"reason": "Battery failed our test."},
                                 headers=bearer(await token_for(seller["id"])))

    assert response.status_code == 200 and response.json()["state"] == "refused"
    assert response.json()["events"][-1]["note"] == "Battery failed our test."
    assert (await Offer.select(Offer.stock).where(Offer.id == seller["offer"]).first())["stock"] == stock_before


async def test_a_refusal_reason_over_500_characters_is_a_400_pointing_at_it(client: AsyncTestClient,
                                                                           market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])
    response = await client.post(f"{API}/orders/{order['id']}/refuse", json={"reason": "x" * 501},
                                 headers=bearer(await token_for(seller["id"])))
    body = assert_problem(response, 400)
    assert [e["pointer"] for e in body["errors"]] == ["/reason"]
    assert await status_of(order["id"]) == "pending"


async def test_shipping_an_accepted_order_records_the_tracking(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])
    await transitions.accept(order["id"], seller_id=seller["id"], settings=market.settings)

    response = await client.post(f"{API}/orders/{order['id']}/ship",
                                 json={"carrier": "Colissimo", "tracking_number": "6A123456789"},
                                 headers=bearer(await token_for(seller["id"])))

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["carrier"], body["tracking_number"]) == ("shipped", "Colissimo", "6A123456789")
    assert body["shipped_at"] is not None


async def test_shipping_without_a_carrier_is_a_400_pointing_at_it(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])
    await transitions.accept(order["id"], seller_id=seller["id"], settings=market.settings)
    response = await client.post(f"{API}/orders/{order['id']}/ship", json={"tracking_number": "6A1"},
                                 headers=bearer(await token_for(seller["id"])))
    body = assert_problem(response, 400)
    assert [e["pointer"] for e in body["errors"]] == ["/carrier"]
    assert await status_of(order["id"]) == "accepted"


async def test_a_blank_tracking_number_is_a_422_pointing_at_it(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])
    await transitions.accept(order["id"], seller_id=seller["id"], settings=market.settings)
    response = await client.post(f"{API}/orders/{order['id']}/ship", json={"carrier": "DPD", "tracking_number": "  "},
                                 headers=bearer(await token_for(seller["id"])))
    body = assert_problem(response, 422)
    assert body["errors"] == [{"pointer": "/tracking_number", "message": "Give the carrier and the tracking number."}]


async def test_control_characters_in_a_text_are_a_422(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])
    response = await client.post(f"{API}/orders/{order['id']}/refuse", json={"reason": "out\x00of stock"},
                                 headers=bearer(await token_for(seller["id"])))
    assert [e["pointer"] for e in assert_problem(response, 422)["errors"]] == ["/reason"]


async def test_shipping_a_pending_order_is_a_409(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])
    response = await client.post(f"{API}/orders/{order['id']}/ship", json={"carrier": "DPD", "tracking_number": "D1"},
                                 headers=bearer(await token_for(seller["id"])))
    assert assert_problem(response, 409)["detail"].startswith("This order is “Waiting for the seller”")


# Errors are problem details under the API, pages elsewhere


async def test_an_unknown_api_path_and_a_wrong_method_are_problems(client: AsyncTestClient, market: Shop) -> None:
    headers = bearer(await token_for((await market.seller())["id"]))
    assert_problem(await client.get(f"{API}/parcels", headers=headers), 404)
    assert_problem(await client.get(f"{API}/orders/1/2/3", headers=headers), 404)
    wrong_method = await client.delete(f"{API}/orders", headers=headers)
    assert_problem(wrong_method, 405)


async def test_a_body_that_is_not_json_is_a_400_problem(client: AsyncTestClient, market: Shop) -> None:
    seller = await market.seller()
    order = await market.paid_order(await market.account(), seller["offer"])
    response = await client.post(f"{API}/orders/{order['id']}/ship", content=b"carrier=DPD",
                                 headers={**bearer(await token_for(seller["id"])), "Content-Type": "application/json"})
    assert_problem(response, 400)


async def test_the_stores_pages_keep_their_html_error_pages(client: AsyncTestClient) -> None:
    response = await client.get("/no-such-page")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


# The schema


async def test_the_openapi_schema_describes_only_the_seller_api(client: AsyncTestClient) -> None:
    response = await client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert schema["paths"] and all(path.startswith(API + "/") for path in schema["paths"])
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "An API token from the seller portal (`enc_…`)."}
    assert schema["security"] == [{"bearer": []}]
    refuse = schema["paths"][f"{API}/orders/{{order_id}}/refuse"]["post"]
    assert refuse["responses"]["409"]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


async def test_the_schemas_router_answers_nothing_else(client: AsyncTestClient) -> None:
    assert_problem(await client.get(API), 404)
    assert_problem(await client.get(f"{API}/openapi.yaml"), 404)


# The portal page


async def test_the_api_page_links_the_schema_and_shows_how_to_call(client: AsyncTestClient, market: Shop) -> None:
    await seller_signed_in(market, client)
    response = await client.get("/seller/api")
    assert response.status_code == 200
    assert f'href="{market.settings.public_base_url}{API}/openapi.json"' in response.text
    assert f"{market.settings.public_base_url}{API}/orders?state=pending" in text_of(response.text)
    assert "No token yet." in text_of(response.text)


async def test_a_new_token_is_shown_once_and_then_only_its_prefix(client: AsyncTestClient, market: Shop) -> None:
    seller = await seller_signed_in(market, client)

    made = await post_form(client, "/seller/api", "/seller/api/tokens", {"name": "Warehouse sync"})

    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    token = re.search(r'value="(enc_[^"]+)"', made.text).group(1)
    assert (await client.get(f"{API}/orders", headers=bearer(token))).status_code == 200
    later = await client.get("/seller/api")
    assert token not in later.text and token[:12] in later.text and "Warehouse sync" in later.text
    assert await ApiToken.count().where(ApiToken.seller == seller["id"]) == 1


async def test_a_token_needs_a_name(client: AsyncTestClient, market: Shop) -> None:
    seller = await seller_signed_in(market, client)
    response = await post_form(client, "/seller/api", "/seller/api/tokens", {"name": "  "})
    assert response.status_code == 400
    assert "Name the token after the integration that will use it" in text_of(response.text)
    assert await ApiToken.count().where(ApiToken.seller == seller["id"]) == 0


async def test_a_token_name_over_80_characters_is_refused_and_kept(client: AsyncTestClient, market: Shop) -> None:
    await seller_signed_in(market, client)
    response = await post_form(client, "/seller/api", "/seller/api/tokens", {"name": "n" * 81})
    assert response.status_code == 400
    assert "Keep the name to 80 characters or fewer." in text_of(response.text)
    assert 'value="' + "n" * 81 + '"' in response.text


async def test_a_seller_has_at_most_20_active_tokens(client: AsyncTestClient, market: Shop) -> None:
    seller = await seller_signed_in(market, client)
    for number in range(20):
        await token_for(seller["id"], f"System {number}")
    response = await post_form(client, "/seller/api", "/seller/api/tokens", {"name": "One more"})
    assert response.status_code == 400
    assert "You already have 20 active tokens" in text_of(response.text)


async def test_revoking_from_the_page_cuts_the_token_off(client: AsyncTestClient, market: Shop) -> None:
    seller = await seller_signed_in(market, client)
    created = await tokens.create_token(seller["id"], tokens.TokenInput("Old ERP"))

    response = await post_form(client, "/seller/api", f"/seller/api/tokens/{created.id}/revoke")

    assert response.status_code == 200 and str(response.url).endswith("/seller/api?done=revoked")
    assert "The token is revoked" in text_of(response.text) and "Revoked on" in text_of(response.text)
    assert_problem(await client.get(f"{API}/orders", headers=bearer(created.token)), 401)


async def test_revoking_with_htmx_answers_the_token_list(client: AsyncTestClient, market: Shop) -> None:
    seller = await seller_signed_in(market, client)
    created = await tokens.create_token(seller["id"], tokens.TokenInput("Old ERP"))
    token = CSRF.search((await client.get("/seller/api")).text).group(1)

    response = await client.post(f"/seller/api/tokens/{created.id}/revoke", data={"_csrf": token},
                                 headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'id="api-tokens"' in response.text
    assert "<html" not in response.text and "The token is revoked" in response.text


async def test_another_sellers_token_cannot_be_revoked(client: AsyncTestClient, market: Shop) -> None:
    await seller_signed_in(market, client)
    other = await market.seller()
    theirs = await tokens.create_token(other["id"], tokens.TokenInput("Their ERP"))

    response = await post_form(client, "/seller/api", f"/seller/api/tokens/{theirs.id}/revoke")

    assert response.status_code == 404
    assert (await client.get(f"{API}/orders", headers=bearer(theirs.token))).status_code == 200


async def test_a_shopper_cannot_open_the_api_page(client: AsyncTestClient, market: Shop) -> None:
    await sign_in(client, (await market.account("shopper"))["id"])
    assert (await client.get("/seller/api")).status_code == 403


# Offers


def new_offer(variant_id: int, sku: str = "IP13-128-BLK-A", **changes: object) -> dict:
    return {"sku": sku, "variant_id": variant_id, "grade": "excellent", "price_cents": 31_900, "stock": 4,
            "shipping_cents": 490, "delivery_days": 2, "warranty_months": 24, "battery_health_pct": 92,
            "new_battery": False, "payment_means": ["card", "paypal"], "condition_note": "Light marks on the back.",
            **changes}


async def seller_with_token(market: Shop) -> tuple[dict, dict[str, str]]:
    seller = await market.seller()
    return seller, bearer(await token_for(seller["id"]))


async def test_an_offer_is_created_read_and_listed_by_its_sku(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)

    created = await client.post(f"{API}/offers", json=new_offer(seller["variant"]), headers=headers)
    read = await client.get(f"{API}/offers/IP13-128-BLK-A", headers=headers)
    listed = await client.get(f"{API}/offers", params={"q": "IP13-128"}, headers=headers)

    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("sku", "variant_id", "grade", "price_cents", "currency", "stock", "shipping_cents",
                                 "delivery_days", "warranty_months", "battery_health_pct", "new_battery",
                                 "payment_means", "condition_note", "status", "on_sale")} == {
        "sku": "IP13-128-BLK-A", "variant_id": seller["variant"], "grade": "excellent", "price_cents": 31_900,
        "currency": "EUR", "stock": 4, "shipping_cents": 490, "delivery_days": 2, "warranty_months": 24,
        "battery_health_pct": 92, "new_battery": False, "payment_means": ["card", "paypal"],
        "condition_note": "Light marks on the back.", "status": "active", "on_sale": True}
    assert read.status_code == 200 and read.json() == body
    assert [o["sku"] for o in listed.json()["offers"]] == ["IP13-128-BLK-A"]


async def test_a_sku_holding_a_slash_is_addressed_by_the_rest_of_the_path(client: AsyncTestClient,
                                                                          market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    await client.post(f"{API}/offers", json=new_offer(seller["variant"], sku="IP13/128/A"), headers=headers)
    assert (await client.get(f"{API}/offers/IP13/128/A", headers=headers)).json()["sku"] == "IP13/128/A"
    assert (await client.get(f"{API}/offers/IP13%2F128%2FA", headers=headers)).json()["sku"] == "IP13/128/A"


async def test_a_sku_already_used_is_a_422_pointing_at_it(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    await client.post(f"{API}/offers", json=new_offer(seller["variant"]), headers=headers)
    again = await client.post(f"{API}/offers", json=new_offer(seller["variant"], grade="good"), headers=headers)
    assert assert_problem(again, 422)["errors"] == [
        {"pointer": "/sku", "message": "You already have an offer with this SKU: give each offer its own."}]


async def test_a_price_below_one_euro_is_a_422_pointing_at_price_cents(client: AsyncTestClient,
                                                                       market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    response = await client.post(f"{API}/offers", json=new_offer(seller["variant"], price_cents=99), headers=headers)
    assert assert_problem(response, 422)["errors"] == [
        {"pointer": "/price_cents", "message": "Enter a price from €1.00 to €10,000.00, VAT included."}]


async def test_an_unknown_variant_is_a_422(client: AsyncTestClient, market: Shop) -> None:
    _, headers = await seller_with_token(market)
    response = await client.post(f"{API}/offers", json=new_offer(2_000_000_000), headers=headers)
    assert [e["pointer"] for e in assert_problem(response, 422)["errors"]] == ["/variant_id"]


async def test_a_refurbished_device_may_not_be_called_like_new(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    response = await client.post(f"{API}/offers", json=new_offer(seller["variant"], condition_note="Like new!"),
                                 headers=headers)
    assert [e["pointer"] for e in assert_problem(response, 422)["errors"]] == ["/condition_note"]


async def test_a_battery_below_80_percent_is_a_422(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    response = await client.post(f"{API}/offers", json=new_offer(seller["variant"], battery_health_pct=79),
                                 headers=headers)
    assert [e["pointer"] for e in assert_problem(response, 422)["errors"]] == ["/battery_health_pct"]


async def test_an_unknown_grade_is_a_400_pointing_at_it(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    response = await client.post(f"{API}/offers", json=new_offer(seller["variant"], grade="as new"), headers=headers)
    assert [e["pointer"] for e in assert_problem(response, 400)["errors"]] == ["/grade"]


async def test_another_sellers_offer_answers_404(client: AsyncTestClient, market: Shop) -> None:
    mine, headers = await seller_with_token(market)
    theirs, their_headers = await seller_with_token(market)
    await client.post(f"{API}/offers", json=new_offer(theirs["variant"], sku="THEIRS-1"), headers=their_headers)

    assert_problem(await client.get(f"{API}/offers/THEIRS-1", headers=headers), 404)
    assert_problem(await client.put(f"{API}/offers/THEIRS-1", json=new_offer(mine["variant"]), headers=headers), 404)
    assert_problem(await client.patch(f"{API}/offers/THEIRS-1", json={"status": "paused"}, headers=headers), 404)
    assert_problem(await client.delete(f"{API}/offers/THEIRS-1", headers=headers), 404)
    assert (await client.get(f"{API}/offers/THEIRS-1", headers=their_headers)).json()["status"] == "active"


async def test_replacing_an_offer_keeps_its_price_history(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    offer_id = (await client.post(f"{API}/offers", json=new_offer(seller["variant"]), headers=headers)).json()["id"]
    body = new_offer(seller["variant"], price_cents=29_900, stock=2)
    del body["sku"]

    response = await client.put(f"{API}/offers/IP13-128-BLK-A", json=body, headers=headers)

    assert response.status_code == 200
    assert (response.json()["price_cents"], response.json()["stock"]) == (29_900, 2)
    from storefront.sellers.tables import OfferPrice

    prices = await OfferPrice.select(OfferPrice.price_cents).where(OfferPrice.offer == offer_id).order_by(OfferPrice.id)
    assert [p["price_cents"] for p in prices] == [31_900, 29_900]


async def test_pausing_takes_an_offer_off_sale_and_resuming_puts_it_back(client: AsyncTestClient,
                                                                         market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    await client.post(f"{API}/offers", json=new_offer(seller["variant"]), headers=headers)

    paused = await client.patch(f"{API}/offers/IP13-128-BLK-A", json={"status": "paused"}, headers=headers)
    resumed = await client.patch(f"{API}/offers/IP13-128-BLK-A", json={"status": "active"}, headers=headers)

    assert (paused.json()["status"], paused.json()["on_sale"]) == ("paused", False)
    assert (resumed.json()["status"], resumed.json()["on_sale"]) == ("active", True)


async def test_an_offer_encore_removed_cannot_be_resumed(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    offer_id = (await client.post(f"{API}/offers", json=new_offer(seller["variant"]), headers=headers)).json()["id"]
    await Offer.update({Offer.status: "removed"}).where(Offer.id == offer_id)

    response = await client.patch(f"{API}/offers/IP13-128-BLK-A", json={"status": "active"}, headers=headers)

    assert assert_problem(response, 409)["detail"].startswith("Encore removed this offer")


async def test_a_deleted_offer_is_gone_and_its_sku_free_again(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    await client.post(f"{API}/offers", json=new_offer(seller["variant"]), headers=headers)

    deleted = await client.delete(f"{API}/offers/IP13-128-BLK-A", headers=headers)

    assert deleted.status_code == 204
    assert_problem(await client.get(f"{API}/offers/IP13-128-BLK-A", headers=headers), 404)
    again = await client.post(f"{API}/offers", json=new_offer(seller["variant"]), headers=headers)
    assert again.status_code == 201


async def offers_with_skus(seller_id: int, variant_id: int, count: int) -> list[str]:
    from storefront.sellers import listings

    rows = [listings.OfferFields(sku=f"BATCH-{n:04d}", variant_id=variant_id, grade="good", price_cents=20_000,
                                 stock=5) for n in range(count)]
    await listings.apply_offers(seller_id, rows)
    return [row.sku for row in rows]


async def stock_of(seller_id: int, sku: str) -> tuple[int, int]:
    row = await Offer.select(Offer.price_cents, Offer.stock).where(
        (Offer.seller == seller_id) & (Offer.sku == sku)).first()
    return row["price_cents"], row["stock"]


async def test_prices_and_stock_change_in_one_batch(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    skus = await offers_with_skus(seller["id"], seller["variant"], 3)

    response = await client.post(f"{API}/offers/stock-and-prices", headers=headers, json={"changes": [
        {"sku": skus[0], "price_cents": 18_900}, {"sku": skus[1], "stock": 0},
        {"sku": skus[2], "price_cents": 20_000, "stock": 5}]})

    assert response.status_code == 200 and response.json() == {"changed": 2, "unchanged": 1}
    assert [await stock_of(seller["id"], sku) for sku in skus] == [(18_900, 5), (20_000, 0), (20_000, 5)]


async def test_a_batch_with_bad_entries_changes_nothing_and_lists_each(client: AsyncTestClient,
                                                                       market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    skus = await offers_with_skus(seller["id"], seller["variant"], 3)

    response = await client.post(f"{API}/offers/stock-and-prices", headers=headers, json={"changes": [
        {"sku": skus[0], "price_cents": 18_900}, {"sku": "NOT-MINE", "stock": 3},
        {"sku": skus[1], "price_cents": 50}, {"sku": skus[2], "stock": 10_000}, {"sku": skus[0], "stock": 1}]})

    body = assert_problem(response, 422)
    assert [e["pointer"] for e in body["errors"]] == ["/changes/1/sku", "/changes/2/price_cents", "/changes/3/stock",
                                                      "/changes/4/sku"]
    assert body["errors"][0]["message"] == "You have no offer with the SKU “NOT-MINE”."
    assert [await stock_of(seller["id"], sku) for sku in skus] == [(20_000, 5), (20_000, 5), (20_000, 5)]


async def test_a_batch_takes_1000_changes(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    skus = await offers_with_skus(seller["id"], seller["variant"], 1_000)

    response = await client.post(f"{API}/offers/stock-and-prices", headers=headers,
                                 json={"changes": [{"sku": sku, "stock": 7} for sku in skus]})

    assert response.status_code == 200 and response.json() == {"changed": 1_000, "unchanged": 0}
    assert await stock_of(seller["id"], skus[999]) == (20_000, 7)


async def test_a_batch_of_1001_changes_is_refused(client: AsyncTestClient, market: Shop) -> None:
    seller, headers = await seller_with_token(market)
    skus = await offers_with_skus(seller["id"], seller["variant"], 1)

    response = await client.post(f"{API}/offers/stock-and-prices", headers=headers,
                                 json={"changes": [{"sku": skus[0], "stock": 7}] * 1_001})

    body = assert_problem(response, 400)
    assert [e["pointer"] for e in body["errors"]] == ["/changes"]
    assert await stock_of(seller["id"], skus[0]) == (20_000, 5)


def test_the_apis_grades_and_means_of_payment_are_the_stores() -> None:
    from typing import get_args

    from storefront.catalog.grades import GRADE_KEYS
    from storefront.ranking.weights import PAYMENT_MEANS
    from storefront.web.seller_api.offers import Grade, PaymentMeans

    assert get_args(Grade) == GRADE_KEYS and get_args(PaymentMeans) == PAYMENT_MEANS


async def test_api_answers_are_never_kept_by_a_cache(client: AsyncTestClient, market: Shop) -> None:
    _, headers = await seller_with_token(market)
    response = await client.get(f"{API}/orders", headers=headers)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("application/json")


async def test_a_database_busy_past_its_timeout_is_a_503_problem_with_retry_after(prepared_store: Settings,
                                                                                  market: Shop) -> None:
    import sqlite3

    from search_index.service import backend_from_settings
    from storefront.db import bind_tables, make_engine

    seller, headers = await seller_with_token(market)
    order = await market.paid_order(await market.account(), seller["offer"])
    previous = bind_tables(make_engine(prepared_store.database_url, busy_timeout_ms=100))
    try:
        async with AsyncTestClient(app=create_app(prepared_store, backend_from_settings(prepared_store))) as client:
            other_writer = sqlite3.connect(prepared_store.database_url.removeprefix("sqlite:///"), isolation_level=None)
            other_writer.execute("BEGIN IMMEDIATE")  # holds the write lock while the seller accepts
            try:
                response = await client.post(f"{API}/orders/{order['id']}/accept", headers=headers)
            finally:
                other_writer.rollback()
                other_writer.close()
    finally:
        for table, engine in previous.items():
            table._meta.db = engine
    assert assert_problem(response, 503)["detail"] == "The store is busy: try again in a moment."
    assert response.headers["retry-after"] == "5"
    assert await status_of(order["id"]) == "pending"
