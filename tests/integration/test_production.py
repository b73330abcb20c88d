"""ENCORE_ENV=production: it refuses to start on development secrets or without a real payment provider, mounts
no payment sandbox and no dev page, and `manage` neither seeds demo accounts nor prepares a demo store."""
from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.cart import service as carts
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import Order
from storefront.payments.provider import InvalidNotification, Notification, SandboxProvider
from storefront.settings import DEV_PAYMENT_WEBHOOK_SECRET, Settings, SettingsError
from tests.integration.commerce import make_account, offer_in_stock

ROOT = Path(__file__).resolve().parents[2]
SECRET = "production-secret-" + "x" * 20  # 38 bytes
PRODUCTION_IBAN = "FR7630006000011234567890189"  # not the demo account PLATFORM_IBAN defaults to


class ElsewhereProvider:
    """A payment provider that is not the sandbox, standing in for the real one a later issue adds."""

    name = "elsewhere"

    def checkout_url(self, payment_reference: str) -> str:
        return f"https://pay.example/{payment_reference}"

    def verify(self, body: bytes, signature: str) -> Notification:
        raise InvalidNotification("not signed by this provider")


STRIPE = {"payment_provider": "stripe", "stripe_secret_key": "sk_test_production",
          "stripe_webhook_secret": "whsec_production"}


def in_production(settings: Settings, **changes: str) -> Settings:
    return dataclasses.replace(settings, environment="production",
                               payouts=dataclasses.replace(settings.payouts, platform_iban=PRODUCTION_IBAN),
                               **{"secret_key": SECRET, "payment_webhook_secret": SECRET, **STRIPE, **changes})


@pytest.mark.parametrize("secret", ["secret_key", "payment_webhook_secret"])
def test_production_refuses_to_start_on_a_development_secret(settings: Settings, secret: str) -> None:
    development = dataclasses.replace(in_production(settings), **{secret: getattr(Settings(), secret)})
    with pytest.raises(SettingsError, match="or ENCORE_ENV=demo for the demo store"):
        create_app(development, provider=ElsewhereProvider())


def test_production_refuses_to_start_on_a_short_secret(settings: Settings) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY is shorter than 32 bytes"):
        create_app(in_production(settings, secret_key="s" * 31), provider=ElsewhereProvider())


def test_production_refuses_to_start_with_the_payment_sandbox(settings: Settings) -> None:
    with pytest.raises(SettingsError, match="PAYMENT_PROVIDER is the payment sandbox, which pays any order"):
        create_app(in_production(settings, payment_provider="sandbox"))


@pytest.mark.parametrize("key", ["stripe_secret_key", "stripe_webhook_secret"])
def test_production_refuses_to_start_with_stripe_missing_a_key(settings: Settings, key: str) -> None:
    with pytest.raises(SettingsError, match=f"PAYMENT_PROVIDER is stripe but {key.upper()} is not set"):
        create_app(in_production(settings, **{key: ""}))


async def test_production_starts_with_stripe_and_its_keys(settings: Settings, backend) -> None:
    async with AsyncTestClient(app=create_app(in_production(settings), backend)) as client:
        assert (await client.get("/")).status_code == 200
        # Stripe's webhook is mounted and checks Stripe's signature: an unsigned notification changes nothing.
        answer = await client.post("/payments/stripe/webhook", content=b"{}", headers={"Stripe-Signature": "t=1"})
        assert answer.status_code == 400


@pytest.fixture
async def production(settings: Settings, backend):
    async with AsyncTestClient(app=create_app(in_production(settings), backend, ElsewhereProvider())) as client:
        client.follow_redirects = False
        yield client


async def test_production_serves_the_shop(production: AsyncTestClient) -> None:
    assert (await production.get("/")).status_code == 200


@pytest.mark.parametrize("path", ["/sandbox/pay/pay_anything", "/dev/mailbox", "/dev/mailbox/1"])
async def test_production_has_no_sandbox_and_no_dev_page(production: AsyncTestClient, path: str) -> None:
    assert (await production.get(path)).status_code == 404


async def test_a_notification_signed_with_the_development_secret_pays_nothing_in_production(
        production: AsyncTestClient, settings: Settings) -> None:
    account = await make_account()
    offer = await offer_in_stock()
    cart = await carts.create_cart(account["id"])
    await carts.add(cart, offer["id"], 1)
    placed = await place_order(cart_id=cart, account_id=account["id"], payment_means="card",
                               address=DeliveryAddress("Ann Lee", "1 rue Neuve", "69003", "Lyon"),
                               idempotency_key=uuid.uuid4().hex, settings=settings)
    forger = SandboxProvider(DEV_PAYMENT_WEBHOOK_SECRET)
    body, signature = forger.notification(event_id="evt_published_secret", succeeded=True,
                                          payment_reference=placed.payment_reference,
                                          amount_cents=placed.total_cents, currency="EUR")
    answer = await production.post("/payments/sandbox/notify", content=body, headers={"Encore-Signature": signature})
    assert answer.status_code == 404
    assert (await Order.select(Order.status).where(Order.id == placed.order_id).first())["status"] == \
        "pending_payment"


# --- manage ----------------------------------------------------------------------------------------------------

def manage(*args: str, database: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "ENCORE_ENV": "production", "SECRET_KEY": SECRET, "PAYMENT_WEBHOOK_SECRET": SECRET,
                   "PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": "sk_test_production",
                   "STRIPE_WEBHOOK_SECRET": "whsec_production", "PLATFORM_IBAN": PRODUCTION_IBAN,
                   "DATABASE_URL": f"sqlite:///{database}", "SEARCH_INDEX_DIR": str(database.parent / "search"),
                   **env}
    return subprocess.run([sys.executable, "-m", "storefront.manage", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True)


@pytest.mark.parametrize("command", ["prepare", "seed"])
def test_manage_loads_no_demo_store_in_production(tmp_path: Path, command: str) -> None:
    done = manage(command, database=tmp_path / "encore.sqlite3")
    assert done.returncode != 0
    assert f"`{command}` loads the demo store" in done.stderr and "ENCORE_ENV=demo" in done.stderr
    assert not (tmp_path / "encore.sqlite3").exists()


def test_manage_refuses_development_secrets_in_production(tmp_path: Path) -> None:
    done = manage("migrate", database=tmp_path / "encore.sqlite3", SECRET_KEY="")
    assert done.returncode != 0
    assert "SECRET_KEY still has its published development value" in done.stderr


def test_the_release_step_migrates_an_empty_production_database(tmp_path: Path) -> None:
    done = manage("migrate", database=tmp_path / "encore.sqlite3")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "encore.sqlite3") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        accounts = connection.execute("SELECT COUNT(*) FROM account").fetchone()[0]
    assert {"account", "offer", "order"} <= tables
    assert accounts == 0  # no demo account, no operator with a published password
