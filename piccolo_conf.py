"""Piccolo's configuration: the engine comes from DATABASE_URL, the apps are one per bounded context."""
from piccolo.conf.apps import AppRegistry

from storefront.db import make_engine
from storefront.settings import get_settings

DB = make_engine(get_settings().database_url, busy_timeout_ms=get_settings().database_busy_timeout_ms)

APP_REGISTRY = AppRegistry(
    apps=[
        "storefront.catalog.piccolo_app",
        "storefront.sellers.piccolo_app",
        "storefront.accounts.piccolo_app",
        "storefront.mail.piccolo_app",
        "storefront.cart.piccolo_app",
        "storefront.orders.piccolo_app",
        "storefront.payments.piccolo_app",
        "storefront.reviews.piccolo_app",
        "storefront.moderation.piccolo_app",
        "storefront.contact.piccolo_app",
        "storefront.audience.piccolo_app",
        "storefront.jobs.piccolo_app",
        "storefront.api.piccolo_app",
        "storefront.webhooks.piccolo_app",
        "storefront.documents.piccolo_app",
        "storefront.returns.piccolo_app",
        "storefront.tradein.piccolo_app",
    ]
)
