"""The payment provider the settings name, built in one place for the app and the jobs."""
from __future__ import annotations

from storefront.payments.provider import PaymentProvider, SandboxProvider
from storefront.settings import Settings, SettingsError


def provider_from_settings(settings: Settings) -> PaymentProvider:
    """Stripe when PAYMENT_PROVIDER=stripe; the sandbox otherwise, which pays any order with the test card 4242
    and so serves the demo store only: production refuses it (Settings.problems_for_production)."""
    if settings.payment_provider == "stripe":
        from storefront.payments.stripe_provider import StripeProvider

        if not settings.stripe_secret_key or not settings.stripe_webhook_secret:
            raise SettingsError("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
        return StripeProvider(settings.stripe_secret_key, settings.stripe_webhook_secret, settings.stripe_api_base)
    if not settings.is_demo:
        raise SettingsError("ENCORE_ENV is production (the default): the payment sandbox is for ENCORE_ENV=demo "
                            "only; set PAYMENT_PROVIDER=stripe (see Deploying in README.md)")
    return SandboxProvider(settings.payment_webhook_secret)
