"""Fixtures the integration tests share: each arranges on the test's own fresh copy of the demo store."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from search_index.backends import SearchBackend
from search_index.drain import OutboxDrainer
from storefront.settings import Settings
from tests.integration.commerce import make_account, sign_in
from tests.integration.smtp_standin import SMTPStandIn, start_smtp
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller, reindex


@pytest.fixture
def drainer(prepared_store: Settings, backend: SearchBackend) -> OutboxDrainer:
    """What the app runs after a response, for tests that call the domain outside a request."""
    return OutboxDrainer(backend, prepared_store.ranking)


@pytest.fixture
async def shop(drainer: OutboxDrainer) -> ExclusiveSeller:
    """A referenced seller alone offering one product: one offer at €129.00, free shipping, 4 in stock."""
    made = await exclusive_seller()
    await reindex(made, drainer)
    return made


@pytest.fixture
async def shopper(client: AsyncTestClient) -> dict:
    """A new shopper, signed in on the test client, which no longer follows redirects."""
    account = await make_account()
    await sign_in(client, account["id"])
    client.follow_redirects = False
    return account


@pytest.fixture
def smtp() -> Iterator[SMTPStandIn]:
    """An SMTP server stand-in on a free loopback port, counting what it receives."""
    controller, standin = start_smtp()
    try:
        yield standin
    finally:
        controller.stop()
