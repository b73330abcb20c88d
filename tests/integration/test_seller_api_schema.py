"""Schemathesis against the seller API's served schema, on a real server, with a real token.

A granian store (as tests/integration/test_two_workers.py starts one) on a copy of the demo store in which a
seller has offers and paid orders. Every operation of /api/seller/v1/openapi.json is called with data
generated from the schema, valid and invalid, on random and on real objects of the seller; every answer must
be no 5xx and must conform to the schema: a documented status, its content type, its headers and its body.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from search_index.drain import OutboxDrainer
from storefront.api import tokens
from storefront.orders import transitions
from storefront.sellers import listings
from storefront.settings import Settings
from tests.conftest import store_environment
from tests.integration.test_seller_portal import Shop
from tests.integration.test_two_workers import store_process

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = 20  # per operation, twice over: about 500 calls in all, some 30 s


@dataclass
class World:
    token: str
    skus: list[str] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)


async def seller_world(settings: Settings, backend) -> World:
    """A referenced seller with three offers by SKU and paid orders in every state a seller acts on."""
    shop = Shop(settings, OutboxDrainer(backend, settings.ranking))
    seller = await shop.seller()
    skus = ["IP13-128-BLK-A", "IP13/128/W", "PIXEL7-FAIR"]
    await listings.apply_offers(seller["id"], [
        listings.OfferFields(sku=sku, variant_id=seller["variant"], grade="good", price_cents=20_000, stock=50)
        for sku in skus])
    buyer = await shop.account()
    orders = [(await shop.paid_order(buyer, seller["offer"]))["id"] for _ in range(4)]
    await transitions.accept(orders[1], seller_id=seller["id"], settings=settings)
    await transitions.accept(orders[2], seller_id=seller["id"], settings=settings)
    await transitions.ship(orders[2], seller_id=seller["id"], carrier="DPD", tracking_number="D1", settings=settings)
    await transitions.refuse(orders[3], seller_id=seller["id"], settings=settings, reason="Out of stock.")
    token = (await tokens.create_token(seller["id"], tokens.TokenInput("Schemathesis"))).token
    return World(token=token, skus=skus, orders=orders)


def strategies_for(operation, world: World) -> st.SearchStrategy:
    kinds = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = {parameter.name for parameter in operation.path_parameters}
    if "sku" in names:
        kinds += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"sku": sku}) for sku in world.skus]
    if "order_id" in names:
        kinds += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"order_id": order_id})
                  for order_id in world.orders]
    return st.one_of(kinds)


async def test_every_answer_of_the_seller_api_conforms_to_its_schema(prepared_store: Settings, backend) -> None:
    world = await seller_world(prepared_store, backend)
    env = {**store_environment(prepared_store), "SELLER_API_REQUESTS_PER_TOKEN": "100000 per minute"}
    started = time.monotonic()
    with store_process(env) as url:
        schema = schemathesis.openapi.from_url(f"{url}/api/seller/v1/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 12
        calls, answers = 0, set()
        for operation in operations:

            @hypothesis_settings(max_examples=EXAMPLES * 2, deadline=None, database=None, derandomize=True,
                                 phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategies_for(operation, world))
            def call(case) -> None:
                nonlocal calls
                calls += 1
                answer = case.call_and_validate(base_url=url, headers={"Authorization": f"Bearer {world.token}"},
                                                checks=CHECKS)
                answers.add(answer.status_code)

            call()
    assert calls >= len(operations) * EXAMPLES
    # Real objects were reached and changed, and refusals of every kind were met, not only 404s.
    assert {200, 204, 400, 404, 409, 422} <= answers
    assert time.monotonic() - started < 120
