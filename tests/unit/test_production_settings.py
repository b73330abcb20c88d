"""Production cannot be got wrong: an unset ENCORE_ENV is production, which names every secret still at its
published development value or too short to guess at."""
from __future__ import annotations

import dataclasses

import pytest

from storefront.settings import PayoutRules, Settings, SettingsError, from_environment

GOOD = "k" * 32


def production(**secrets: str) -> Settings:
    return dataclasses.replace(Settings(), environment="production",
                               payouts=dataclasses.replace(PayoutRules(), platform_iban="FR7630006000011234567890189"),
                               **{"secret_key": GOOD, "payment_webhook_secret": GOOD, "payment_provider": "stripe",
                                  "stripe_secret_key": "sk_live_x", "stripe_webhook_secret": "whsec_x", **secrets})


def test_an_unset_encore_env_is_production() -> None:
    assert from_environment({}).environment == "production"


def test_encore_env_takes_demo_or_production_only() -> None:
    assert from_environment({"ENCORE_ENV": "demo"}).environment == "demo"
    with pytest.raises(SettingsError, match="ENCORE_ENV must be 'demo' or 'production', not 'staging'"):
        from_environment({"ENCORE_ENV": "staging"})


def test_each_default_secret_is_refused() -> None:
    assert Settings().problems_for_production() == [
        "SECRET_KEY still has its published development value",
        "PAYMENT_WEBHOOK_SECRET still has its published development value",
        "PLATFORM_IBAN is still the demo test account: set the platform's own IBAN, PLATFORM_BIC and "
        "PLATFORM_ACCOUNT_NAME, which the sellers' payouts leave from",
        "PAYMENT_PROVIDER is the payment sandbox, which pays any order with a test card (set PAYMENT_PROVIDER=stripe)",
    ]


def test_stripe_without_its_keys_is_refused() -> None:
    assert production(stripe_secret_key="", stripe_webhook_secret="").problems_for_production() == [
        "PAYMENT_PROVIDER is stripe but STRIPE_SECRET_KEY is not set",
        "PAYMENT_PROVIDER is stripe but STRIPE_WEBHOOK_SECRET is not set"]


def test_payment_provider_takes_sandbox_or_stripe_only() -> None:
    assert from_environment({"PAYMENT_PROVIDER": "stripe"}).payment_provider == "stripe"
    with pytest.raises(SettingsError, match="PAYMENT_PROVIDER must be 'sandbox' or 'stripe', not 'paypal'"):
        from_environment({"PAYMENT_PROVIDER": "paypal"})


@pytest.mark.parametrize("name", ["secret_key", "payment_webhook_secret"])
def test_a_31_byte_secret_is_refused(name: str) -> None:
    variable = name.upper()
    assert production(**{name: "s" * 31}).problems_for_production() == [f"{variable} is shorter than 32 bytes"]


def test_bytes_are_counted_not_characters() -> None:
    # 16 two-byte characters: 32 bytes of secret, as the HMAC sees it.
    assert production(secret_key="é" * 16).problems_for_production() == []


def test_debug_pages_are_refused() -> None:
    assert dataclasses.replace(production(), debug=True).problems_for_production() == [
        "DEBUG is on, which shows tracebacks and settings to anyone"]


def test_good_secrets_are_accepted() -> None:
    assert production().problems_for_production() == []
    production().refuse_unsafe_production()


def test_the_refusal_says_what_to_set() -> None:
    with pytest.raises(SettingsError) as refused:
        dataclasses.replace(production(), secret_key="dev-only-secret-change-me").refuse_unsafe_production()
    assert "Set SECRET_KEY and PAYMENT_WEBHOOK_SECRET to random values of at least 32 bytes" in str(refused.value)
    assert "or ENCORE_ENV=demo for the demo store" in str(refused.value)


def test_the_demo_store_keeps_its_development_secrets() -> None:
    assert dataclasses.replace(Settings(), environment="demo").problems_for_production() == []


def test_trusted_proxies_are_checked_at_start() -> None:
    assert from_environment({"TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"}).trusted_proxies == ("10.0.0.0/8",
                                                                                               "192.0.2.7")
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES must list IP addresses or CIDR blocks, not 'proxy'"):
        from_environment({"TRUSTED_PROXIES": "proxy"})


def test_payout_days_are_days_every_month_has() -> None:
    assert from_environment({}).payouts.days == (6, 16, 26)
    assert from_environment({"PAYOUT_DAYS": "15, 1"}).payouts.days == (1, 15)
    with pytest.raises(SettingsError, match="PAYOUT_DAYS must list days of the month from 1 to 28"):
        from_environment({"PAYOUT_DAYS": "6,30"})
