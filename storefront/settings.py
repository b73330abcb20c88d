"""Typed settings, read once from the environment.

Every figure that DOMAIN.md marks as a default lives here, so the code that charges a fee and the
page that explains it read the same number.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from storefront.ranking.weights import RankingWeights

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceFeeRule:
    """The buyer's service fee: a share of the items' price, clamped to a floor and a ceiling."""

    rate_basis_points: int = 200  # 2 %
    minimum_cents: int = 49
    maximum_cents: int = 799
    currency: str = "EUR"

    def fee_for(self, items_cents: int) -> int:
        """Fee in cents for a cart whose items cost `items_cents`; nothing to pay on an empty cart."""
        if items_cents <= 0:
            return 0
        # Round half up on integer cents: no float comes near money.
        proportional = (items_cents * self.rate_basis_points + 5_000) // 10_000
        return max(self.minimum_cents, min(self.maximum_cents, proportional))


@dataclass(frozen=True)
class SellerFees:
    monthly_flat_cents: int = 5_000
    commission_basis_points: int = 1_000  # 10 % of the transaction, taxes and shipping included


@dataclass(frozen=True)
class OperatorInfo:
    """Who runs the platform and how to reach them: shown on the legal pages and in e-mails."""

    legal_name: str = "Encore Marketplace SAS"
    address: str = "18 rue des Artisans, 69002 Lyon, France"
    trade_register: str = "RCS Lyon 912 345 678"
    vat_number: str = "FR12912345678"
    publication_director: str = "the chair of Encore Marketplace SAS"
    host: str = "the operator's own servers, operated from France"
    # Art. 12 DSA: single point of contact for the people who use the platform.
    contact_email: str = "help@encore.example"
    # Art. 11 DSA: single point of contact for Member State authorities, the Commission and the Board.
    authorities_email: str = "authorities@encore.example"
    authorities_languages: tuple[str, ...] = ("English", "French")
    privacy_email: str = "privacy@encore.example"
    # Consumer mediator (French consumer code L612-1): free of charge for the buyer.
    mediator_name: str = "Médiation Commerce Électronique"
    mediator_address: str = "3 place de la Médiation, 75008 Paris, France"
    mediator_url: str = "https://mediation.example"
    competent_courts: str = "the courts of Lyon, France"


@dataclass(frozen=True)
class QualityCharter:
    """The limits a referenced seller keeps to; the portal and the console compare each seller's rates
    with them, and the sellers' conditions publish them. Rates in basis points, over the last 90 days."""

    max_defect_rate_bp: int = 300  # 3 %
    max_wrong_item_rate_bp: int = 100  # 1 %
    max_cosmetic_rate_bp: int = 300  # 3 %
    max_late_delivery_rate_bp: int = 500  # 5 %
    min_rating_x100: int = 400  # 4.0 out of 5
    max_dispatch_working_days: int = 2
    min_battery_percent: int = 80

    def __post_init__(self) -> None:
        # Ratings read in tenths of a star (storefront.units): a minimum of 4.25 would be published as 4.3.
        if self.min_rating_x100 % 10 or not 100 <= self.min_rating_x100 <= 500:
            raise ValueError(f"the charter's minimum rating is in tenths of a star from 1.0 to 5.0 (100 to 500 "
                             f"hundredths), not {self.min_rating_x100}")


@dataclass(frozen=True)
class Settings:
    brand_name: str = "Encore"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'encore.sqlite3'}"
    search_backend: Literal["embedded", "meilisearch"] = "embedded"
    search_index_dir: Path = ROOT / "var" / "search"
    meili_url: str | None = None
    meili_api_key: str | None = None
    index_prefix: str = "encore_dev"
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str = "dev-only-secret-change-me"
    debug: bool = False
    currency: str = "EUR"
    service_fee: ServiceFeeRule = field(default_factory=ServiceFeeRule)
    seller_fees: SellerFees = field(default_factory=SellerFees)
    ranking: RankingWeights = field(default_factory=RankingWeights)
    commercial_warranty_min_months: int = 12
    legal_guarantee_months: int = 24
    withdrawal_days: int = 14
    return_window_days: int = 30
    # P2B Regulation Art. 4(1): notice before a seller is terminated for convenience.
    seller_termination_notice_days: int = 30
    operator: OperatorInfo = field(default_factory=OperatorInfo)
    quality_charter: QualityCharter = field(default_factory=QualityCharter)
    # Art. 24(2) DSA: how often (seconds) each worker writes the active-recipient marks it has buffered.
    active_recipients_flush_seconds: int = 60
    results_per_page: int = 24
    # E-mail: without SMTP_HOST messages stay in the outbox, readable at /dev/mailbox from this machine.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "Encore <no-reply@encore.example>"
    # How often each worker runs the scheduled jobs (review invitations, sending mail); 0 turns them off.
    jobs_interval_seconds: int = 900
    # The embedded payment sandbox signs its notifications with this shared secret.
    payment_webhook_secret: str = "dev-only-sandbox-secret"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _int_from(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    return int(raw) if raw else default


def from_environment(env: dict[str, str] | None = None) -> Settings:
    """Build settings from environment variables; unknown or empty ones keep their defaults."""
    env = dict(os.environ if env is None else env)
    defaults = Settings()
    backend = env.get("SEARCH_BACKEND", defaults.search_backend)
    if backend not in ("embedded", "meilisearch"):
        raise ValueError(f"SEARCH_BACKEND must be 'embedded' or 'meilisearch', not {backend!r}")
    fee = ServiceFeeRule(
        rate_basis_points=_int_from(env, "SERVICE_FEE_BASIS_POINTS", defaults.service_fee.rate_basis_points),
        minimum_cents=_int_from(env, "SERVICE_FEE_MIN_CENTS", defaults.service_fee.minimum_cents),
        maximum_cents=_int_from(env, "SERVICE_FEE_MAX_CENTS", defaults.service_fee.maximum_cents),
    )
    operator = OperatorInfo(
        legal_name=env.get("OPERATOR_LEGAL_NAME") or defaults.operator.legal_name,
        address=env.get("OPERATOR_ADDRESS") or defaults.operator.address,
        contact_email=env.get("CONTACT_EMAIL") or defaults.operator.contact_email,
        authorities_email=env.get("AUTHORITIES_EMAIL") or defaults.operator.authorities_email,
        mediator_name=env.get("MEDIATOR_NAME") or defaults.operator.mediator_name,
        mediator_address=env.get("MEDIATOR_ADDRESS") or defaults.operator.mediator_address,
        mediator_url=env.get("MEDIATOR_URL") or defaults.operator.mediator_url,
    )
    return Settings(
        brand_name=env.get("BRAND_NAME") or defaults.brand_name,
        database_url=env.get("DATABASE_URL") or defaults.database_url,
        search_backend=backend,  # type: ignore[arg-type]
        search_index_dir=Path(env.get("SEARCH_INDEX_DIR") or defaults.search_index_dir),
        meili_url=env.get("MEILI_URL") or None,
        meili_api_key=env.get("MEILI_API_KEY") or None,
        index_prefix=env.get("SEARCH_INDEX_PREFIX") or defaults.index_prefix,
        public_base_url=(env.get("PUBLIC_BASE_URL") or defaults.public_base_url).rstrip("/"),
        secret_key=env.get("SECRET_KEY") or defaults.secret_key,
        debug=env.get("DEBUG", "") in ("1", "true", "yes"),
        service_fee=fee,
        ranking=RankingWeights.from_environment(env),
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=_int_from(env, "SMTP_PORT", defaults.smtp_port),
        smtp_username=env.get("SMTP_USERNAME") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_starttls=env.get("SMTP_STARTTLS", "1") not in ("0", "false", "no"),
        mail_from=env.get("MAIL_FROM") or defaults.mail_from,
        payment_webhook_secret=env.get("PAYMENT_WEBHOOK_SECRET") or defaults.payment_webhook_secret,
        jobs_interval_seconds=_int_from(env, "JOBS_INTERVAL_SECONDS", defaults.jobs_interval_seconds),
        seller_termination_notice_days=_int_from(env, "SELLER_TERMINATION_NOTICE_DAYS",
                                                 defaults.seller_termination_notice_days),
        operator=operator,
        active_recipients_flush_seconds=_int_from(env, "ACTIVE_RECIPIENTS_FLUSH_SECONDS",
                                                  defaults.active_recipients_flush_seconds),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_environment()
