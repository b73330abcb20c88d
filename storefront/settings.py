"""Typed settings, read once from the environment.

Every figure that DOMAIN.md marks as a default lives here, so the code that charges a fee and the
page that explains it read the same number. A field that the environment may set names its variable
beside its default (`env_var(...)` in its metadata); `from_environment` reads every such field by its type.
"""
from __future__ import annotations

import ipaddress
import os
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

from storefront.inputs import is_digits
from storefront.ranking.weights import RankingWeights

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """An environment variable holds a value its setting cannot take: the app refuses to start."""


def env_var(name: str, *, minimum: int | None = None, parse: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """Field metadata: the environment variable that sets the field, the least whole number it accepts (a
    legal floor, say), and how to read it when its type is not enough."""
    return {"env": name, "minimum": minimum, "parse": parse}


def _sweep_period(raw: str) -> int:
    """JOBS_INTERVAL_SECONDS: whole seconds that a schedule on the clock can keep (see storefront.jobs.schedule)."""
    from storefront.jobs.schedule import cron_every

    seconds = _parse("JOBS_INTERVAL_SECONDS", raw, int, 0)
    if seconds:
        try:
            cron_every(seconds)
        except ValueError as error:
            raise SettingsError(f"JOBS_INTERVAL_SECONDS: {error}") from None
    return seconds


@dataclass(frozen=True)
class ServiceFeeRule:
    """The buyer's service fee: a share of the items' price, clamped to a floor and a ceiling."""

    rate_basis_points: int = field(default=200, metadata=env_var("SERVICE_FEE_BASIS_POINTS"))  # 2 %
    minimum_cents: int = field(default=49, metadata=env_var("SERVICE_FEE_MIN_CENTS"))
    maximum_cents: int = field(default=799, metadata=env_var("SERVICE_FEE_MAX_CENTS"))
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
    monthly_flat_cents: int = field(default=5_000, metadata=env_var("SELLER_MONTHLY_FEE_CENTS"))
    # 10 % of the transaction, taxes and shipping included
    commission_basis_points: int = field(default=1_000, metadata=env_var("SELLER_COMMISSION_BASIS_POINTS"))


@dataclass(frozen=True)
class TradeInRules:
    """Trade-in (buyback, DOMAIN.md): the clocks, the platform's commission and the inspection photos' limits.
    The trade-in conditions page publishes them."""

    # A quote accepted must be shipped within this many days; a quote shown is valid as long.
    quote_valid_days: int = field(default=14, metadata=env_var("TRADEIN_QUOTE_DAYS", minimum=1))
    # A counter-offer unanswered this long ends as the conditions say: the device is sent back free.
    counter_offer_days: int = field(default=7, metadata=env_var("TRADEIN_COUNTER_OFFER_DAYS", minimum=1))
    # The platform's commission on what a refurbisher pays (basis points of the price; default none).
    commission_basis_points: int = field(default=0, metadata=env_var("TRADEIN_COMMISSION_BASIS_POINTS", minimum=0))
    photo_max_bytes: int = field(default=5_000_000, metadata=env_var("TRADEIN_PHOTO_MAX_BYTES", minimum=10_000))
    photo_max_count: int = field(default=6, metadata=env_var("TRADEIN_PHOTO_MAX_COUNT", minimum=1))
    # Where inspection photos are kept: outside the web root, served only to the people concerned.
    photos_dir: Path = field(default=ROOT / "var" / "tradein-photos",
                             metadata=env_var("TRADEIN_PHOTOS_DIR"))


@dataclass(frozen=True)
class OperatorInfo:
    """Who runs the platform and how to reach them: shown on the legal pages and in e-mails."""

    legal_name: str = field(default="Encore Marketplace SAS", metadata=env_var("OPERATOR_LEGAL_NAME"))
    address: str = field(default="18 rue des Artisans, 69002 Lyon, France", metadata=env_var("OPERATOR_ADDRESS"))
    trade_register: str = "RCS Lyon 912 345 678"
    vat_number: str = "FR12912345678"
    # The VAT rate included in what the platform charges (service fee, commission, monthly fee), shown on its
    # invoices and receipts; 0 when the platform charges no VAT.
    vat_basis_points: int = field(default=2_000, metadata=env_var("PLATFORM_VAT_BASIS_POINTS", minimum=0))
    publication_director: str = "the chair of Encore Marketplace SAS"
    host: str = "the operator's own servers, operated from France"
    # Art. 12 DSA: single point of contact for the people who use the platform.
    contact_email: str = field(default="help@encore.example", metadata=env_var("CONTACT_EMAIL"))
    # Art. 11 DSA: single point of contact for Member State authorities, the Commission and the Board.
    authorities_email: str = field(default="authorities@encore.example", metadata=env_var("AUTHORITIES_EMAIL"))
    authorities_languages: tuple[str, ...] = ("English", "French")
    privacy_email: str = "privacy@encore.example"
    # Consumer mediator (French consumer code L612-1): free of charge for the buyer.
    mediator_name: str = field(default="Médiation Commerce Électronique", metadata=env_var("MEDIATOR_NAME"))
    mediator_address: str = field(default="3 place de la Médiation, 75008 Paris, France",
                                  metadata=env_var("MEDIATOR_ADDRESS"))
    mediator_url: str = field(default="https://mediation.example", metadata=env_var("MEDIATOR_URL"))
    competent_courts: str = "the courts of Lyon, France"

    @property
    def mediator_url_is_placeholder(self) -> bool:
        """The shipped default names a host under `.example` (reserved, RFC 2606), which can never resolve: a
        page must say it is a placeholder rather than send a consumer to a dead link."""
        host = urlsplit(self.mediator_url).hostname or ""
        return host == "example" or host.endswith(".example")


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


def _list(raw: str) -> tuple[str, ...]:
    """A comma-separated list, spaces allowed around the commas."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _networks(raw: str) -> tuple[str, ...]:
    """Addresses or CIDR blocks (`10.0.0.0/8, 192.0.2.7`), each checked now so a typo stops the start."""
    items = _list(raw)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(f"TRUSTED_PROXIES must list IP addresses or CIDR blocks, not {item!r}") from None
    return items


def _payout_days(raw: str) -> tuple[int, ...]:
    """PAYOUT_DAYS: days of the month from 1 to 28 (every month has them), comma-separated."""
    days = []
    for item in _list(raw):
        if not is_digits(item) or not 1 <= int(item) <= 28:
            raise SettingsError(f"PAYOUT_DAYS must list days of the month from 1 to 28, such as 6,16,26, not {raw!r}")
        days.append(int(item))
    if not days:
        raise SettingsError(f"PAYOUT_DAYS must list at least one day of the month, not {raw!r}")
    return tuple(sorted(set(days)))


@dataclass(frozen=True)
class PayoutRules:
    """When sellers are paid, and the platform's own account the SEPA transfers leave from (storefront.payments
    .payouts). The demo account is a published test IBAN: production refuses to start with it."""

    # A seller order's money is payable this many days after its delivery.
    delay_days: int = field(default=7, metadata=env_var("PAYOUT_DELAY_DAYS"))
    # The payout runs: these days of each month (at 06:00 UTC), once per date across all processes.
    days: tuple[int, ...] = field(default=(6, 16, 26), metadata=env_var("PAYOUT_DAYS", parse=_payout_days))
    platform_iban: str = field(default="DE89370400440532013000", metadata=env_var("PLATFORM_IBAN"))
    platform_bic: str = field(default="COBADEFFXXX", metadata=env_var("PLATFORM_BIC"))
    platform_account_name: str = field(default="Encore Marketplace SAS", metadata=env_var("PLATFORM_ACCOUNT_NAME"))
    # Where each run's pain.001 file is written (outside the web root); the database keeps a copy.
    files_dir: Path = field(default=ROOT / "var" / "payouts", metadata=env_var("PAYOUT_FILES_DIR"))


DEMO_PLATFORM_IBAN = PayoutRules().platform_iban

# The development values the code ships with: production refuses to start while a secret still has one.
DEV_SECRET_KEY = "dev-only-secret-change-me"
DEV_PAYMENT_WEBHOOK_SECRET = "dev-only-sandbox-secret"
MIN_SECRET_BYTES = 32


def _rate(name: str) -> dict[str, Any]:
    """Field metadata for a rate in the `limits` notation ("10 per 15 minutes"), checked at start-up."""
    def read(raw: str) -> str:
        from storefront.throttle import parse_rate

        try:
            parse_rate(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} must be a rate such as '10 per 15 minutes', not {raw!r}") from exc
        return raw
    return env_var(name, parse=read)


@dataclass(frozen=True)
class ThrottleRules:
    """How often a client or an address may try: throttles that slow a guesser or a flooder down without
    letting anyone lock somebody else out (no limit counts per account alone)."""

    # Where the counts live: `memory://` (one worker) or `redis://host:6379/0` (shared by every worker).
    storage_url: str = field(default="memory://", metadata=env_var("RATE_LIMIT_STORAGE_URL"))
    key_prefix: str = field(default="encore", metadata=env_var("RATE_LIMIT_KEY_PREFIX"))
    # Wrong passwords for one account from one client: a guesser waits, the owner elsewhere does not.
    sign_in_failures_per_account_and_client: str = field(
        default="10 per 15 minutes", metadata=_rate("SIGN_IN_FAILURES_PER_ACCOUNT_AND_CLIENT"))
    # Wrong passwords from one client across all accounts: one password tried on many accounts.
    sign_in_failures_per_client: str = field(default="50 per 15 minutes",
                                             metadata=_rate("SIGN_IN_FAILURES_PER_CLIENT"))
    # Reset links and sign-up notices sent to one address, whoever asks: nobody floods an inbox.
    account_mail_per_address: str = field(default="3 per hour", metadata=_rate("ACCOUNT_MAIL_PER_ADDRESS"))
    # Sign-ups and reset requests from one client.
    account_requests_per_client: str = field(default="20 per hour", metadata=_rate("ACCOUNT_REQUESTS_PER_CLIENT"))
    # Calls to the seller API (/api/seller/v1) per token; beyond it 429 with Retry-After.
    seller_api_requests_per_token: str = field(default="600 per minute",
                                               metadata=_rate("SELLER_API_REQUESTS_PER_TOKEN"))


@dataclass(frozen=True)
class Settings:
    # "demo" is the store `make run` serves: the payment sandbox, the dev mailbox and seeded demo accounts.
    # Unset means production, so a deployed store never gets them by forgetting a variable.
    environment: Literal["demo", "production"] = field(default="production", metadata=env_var("ENCORE_ENV"))
    brand_name: str = field(default="Encore", metadata=env_var("BRAND_NAME"))
    database_url: str = field(default=f"sqlite:///{ROOT / 'var' / 'encore.sqlite3'}", metadata=env_var("DATABASE_URL"))
    # Connections each worker keeps open (SQLite: per event loop; PostgreSQL: asyncpg's pool).
    database_pool_size: int = field(default=4, metadata=env_var("DATABASE_POOL_SIZE", minimum=1))
    # SQLite: how long a write waits for another writer before the request answers 503 with Retry-After.
    database_busy_timeout_ms: int = field(default=15_000, metadata=env_var("DATABASE_BUSY_TIMEOUT_MS"))
    search_backend: Literal["embedded", "meilisearch"] = field(default="embedded", metadata=env_var("SEARCH_BACKEND"))
    search_index_dir: Path = field(default=ROOT / "var" / "search", metadata=env_var("SEARCH_INDEX_DIR"))
    meili_url: str | None = field(default=None, metadata=env_var("MEILI_URL"))
    meili_api_key: str | None = field(default=None, metadata=env_var("MEILI_API_KEY"))
    index_prefix: str = field(default="encore_dev", metadata=env_var("SEARCH_INDEX_PREFIX"))
    public_base_url: str = field(default="http://127.0.0.1:8000",
                                 metadata=env_var("PUBLIC_BASE_URL", parse=lambda url: url.rstrip("/")))
    secret_key: str = field(default=DEV_SECRET_KEY, metadata=env_var("SECRET_KEY"))
    # Reverse proxies whose X-Forwarded-For/-Proto are believed (storefront.web.edge); nobody's by default.
    trusted_proxies: tuple[str, ...] = field(default=(), metadata=env_var("TRUSTED_PROXIES", parse=_networks))
    # Host headers answered besides PUBLIC_BASE_URL's own host; any other gets a 400.
    allowed_hosts: tuple[str, ...] = field(default=(), metadata=env_var("ALLOWED_HOSTS", parse=_list))
    debug: bool = field(default=False, metadata=env_var("DEBUG"))
    currency: str = "EUR"
    service_fee: ServiceFeeRule = field(default_factory=ServiceFeeRule)
    seller_fees: SellerFees = field(default_factory=SellerFees)
    payouts: PayoutRules = field(default_factory=PayoutRules)
    tradein: TradeInRules = field(default_factory=TradeInRules)
    # The weights read their RANKING_WEIGHT_* variables themselves: they are checked together (sum 1).
    ranking: RankingWeights = field(default_factory=RankingWeights,
                                    metadata={"read": RankingWeights.from_environment})
    commercial_warranty_min_months: int = field(default=12, metadata=env_var("COMMERCIAL_WARRANTY_MIN_MONTHS"))
    # Set by law (French consumer code L217-3), not by the operator: no variable.
    legal_guarantee_months: int = 24
    # Consumer Rights Directive Art. 9: 14 days is the least the law allows; the operator may give more.
    withdrawal_days: int = field(default=14, metadata=env_var("WITHDRAWAL_DAYS", minimum=14))
    return_window_days: int = field(default=30, metadata=env_var("RETURN_WINDOW_DAYS"))
    # Days a seller has to issue a return label, and again to refund once the item is back; then the operator.
    return_seller_action_days: int = field(default=3, metadata=env_var("RETURN_SELLER_ACTION_DAYS", minimum=1))
    # Claims ("Get help", storefront/orders/claims.py): a claim the seller has not answered with a proposal within
    # CLAIM_ANSWER_DAYS, or a proposal the buyer has not answered within CLAIM_BUYER_DAYS, goes to the operator.
    claim_answer_days: int = field(default=3, metadata=env_var("CLAIM_ANSWER_DAYS", minimum=1))
    claim_buyer_days: int = field(default=7, metadata=env_var("CLAIM_BUYER_DAYS", minimum=1))
    # An order not paid within this time is cancelled and its stock goes back on sale.
    unpaid_order_minutes: int = field(default=30, metadata=env_var("UNPAID_ORDER_MINUTES", minimum=1))
    # P2B Regulation Art. 4(1): at least 30 days' notice before a seller is terminated for convenience.
    seller_termination_notice_days: int = field(default=30,
                                                metadata=env_var("SELLER_TERMINATION_NOTICE_DAYS", minimum=30))
    operator: OperatorInfo = field(default_factory=OperatorInfo)
    quality_charter: QualityCharter = field(default_factory=QualityCharter)
    # Art. 24(2) DSA: how often (seconds) each worker writes the active-recipient marks it has buffered.
    active_recipients_flush_seconds: int = field(default=60, metadata=env_var("ACTIVE_RECIPIENTS_FLUSH_SECONDS"))
    results_per_page: int = 24
    # E-mail: without SMTP_HOST messages stay in the outbox, readable at /dev/mailbox from this machine.
    smtp_host: str | None = field(default=None, metadata=env_var("SMTP_HOST"))
    smtp_port: int = field(default=587, metadata=env_var("SMTP_PORT"))
    smtp_username: str | None = field(default=None, metadata=env_var("SMTP_USERNAME"))
    smtp_password: str | None = field(default=None, metadata=env_var("SMTP_PASSWORD"))
    smtp_starttls: bool = field(default=True, metadata=env_var("SMTP_STARTTLS"))
    mail_from: str = field(default="Encore <no-reply@encore.example>", metadata=env_var("MAIL_FROM"))
    # The period of the sweeping jobs (storefront.jobs.registry), on the clock: 900 runs them at :00, :15, :30
    # and :45, once across all processes. 0 turns them off. Mail a person waits for does not wait for them.
    jobs_interval_seconds: int = field(default=900, metadata=env_var("JOBS_INTERVAL_SECONDS",
                                                                     parse=_sweep_period))
    # Where those jobs run: inside each store process ("embedded", no server) or on PostgreSQL's job queue
    # ("procrastinate"), taken by `python -m storefront.manage worker` processes.
    job_queue: Literal["embedded", "procrastinate"] = field(default="embedded", metadata=env_var("JOB_QUEUE"))
    throttles: ThrottleRules = field(default_factory=ThrottleRules)
    # Anonymous carts (and their sessions) nobody came back to for this many days are deleted.
    cart_abandoned_days: int = field(default=7, metadata=env_var("CART_ABANDONED_DAYS", minimum=1))
    # The embedded payment sandbox signs its notifications with this shared secret.
    payment_webhook_secret: str = field(default=DEV_PAYMENT_WEBHOOK_SECRET,
                                        metadata=env_var("PAYMENT_WEBHOOK_SECRET"))
    # Who takes the money: the embedded sandbox (demo only; it pays any order with a test card) or Stripe.
    payment_provider: Literal["sandbox", "stripe"] = field(default="sandbox", metadata=env_var("PAYMENT_PROVIDER"))
    stripe_secret_key: str | None = field(default=None, metadata=env_var("STRIPE_SECRET_KEY"))
    # The signing secret (whsec_…) of the Stripe webhook endpoint /payments/stripe/webhook.
    stripe_webhook_secret: str | None = field(default=None, metadata=env_var("STRIPE_WEBHOOK_SECRET"))
    # Another address for Stripe's API (a test double such as localstripe); unset means Stripe's own.
    stripe_api_base: str | None = field(default=None, metadata=env_var("STRIPE_API_BASE"))
    # Where Stripe's hosted payment page lives: the store's forms lead there (CSP form-action), so it is allowed.
    stripe_checkout_origin: str = field(default="https://checkout.stripe.com",
                                        metadata=env_var("STRIPE_CHECKOUT_ORIGIN"))

    def __post_init__(self) -> None:
        if self.job_queue == "procrastinate" and self.database_url.startswith("sqlite"):
            raise SettingsError("JOB_QUEUE=procrastinate needs PostgreSQL (DATABASE_URL=postgresql://…); "
                                "on SQLite leave JOB_QUEUE unset: the jobs run inside the store")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_demo(self) -> bool:
        return self.environment == "demo"

    def problems_for_production(self) -> list[str]:
        """Why this configuration may not serve a real store; empty in demo mode, where the defaults are the
        point. The one list create_app() and `manage` both refuse to start on."""
        if self.is_demo:
            return []
        problems = []
        for name, value, default in (("SECRET_KEY", self.secret_key, DEV_SECRET_KEY),
                                     ("PAYMENT_WEBHOOK_SECRET", self.payment_webhook_secret,
                                      DEV_PAYMENT_WEBHOOK_SECRET)):
            if value == default:
                problems.append(f"{name} still has its published development value")
            elif len(value.encode()) < MIN_SECRET_BYTES:
                problems.append(f"{name} is shorter than {MIN_SECRET_BYTES} bytes")
        if self.payouts.platform_iban.replace(" ", "") == DEMO_PLATFORM_IBAN:
            problems.append("PLATFORM_IBAN is still the demo test account: set the platform's own IBAN, PLATFORM_BIC "
                            "and PLATFORM_ACCOUNT_NAME, which the sellers' payouts leave from")
        if self.debug:
            problems.append("DEBUG is on, which shows tracebacks and settings to anyone")
        if self.payment_provider == "sandbox":
            problems.append("PAYMENT_PROVIDER is the payment sandbox, which pays any order with a test card "
                            "(set PAYMENT_PROVIDER=stripe)")
        else:
            problems.extend(f"PAYMENT_PROVIDER is stripe but {name} is not set"
                            for name, value in (("STRIPE_SECRET_KEY", self.stripe_secret_key),
                                                ("STRIPE_WEBHOOK_SECRET", self.stripe_webhook_secret)) if not value)
        return problems

    def refuse_unsafe_production(self) -> None:
        """Raises a SettingsError that says what to set, when `problems_for_production` finds anything."""
        problems = self.problems_for_production()
        if problems:
            raise SettingsError(
                "ENCORE_ENV is production (the default) and " + "; ".join(problems) + ". Set SECRET_KEY and "
                "PAYMENT_WEBHOOK_SECRET to random values of at least 32 bytes (python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'), or ENCORE_ENV=demo for the demo store.")


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_Read = TypeVar("_Read")


def _parse(name: str, raw: str, kind: Any, minimum: int | None) -> Any:
    """`raw` as a value of type `kind`, or a SettingsError that names the variable and what it wants."""
    if get_origin(kind) in (Union, types.UnionType):
        # `str | None`: None is the default, which an unset or empty variable keeps.
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    if get_origin(kind) is Literal:
        if raw not in get_args(kind):
            choices = " or ".join(repr(choice) for choice in get_args(kind))
            raise SettingsError(f"{name} must be {choices}, not {raw!r}")
        return raw
    if kind is bool:
        if raw.lower() not in _TRUE + _FALSE:
            raise SettingsError(f"{name} must be one of {', '.join(_TRUE + _FALSE)}, not {raw!r}")
        return raw.lower() in _TRUE
    if kind is int:
        # Digits only: "10 %", "12.5" or "1e3" are refused rather than guessed at.
        if not is_digits(raw):
            raise SettingsError(f"{name} must be a whole number such as 1000, not {raw!r}")
        value = int(raw)
        if minimum is not None and value < minimum:
            raise SettingsError(f"{name} must be at least {minimum}, not {value}")
        return value
    if kind is Path:
        return Path(raw)
    if kind is str:
        return raw
    raise TypeError(f"settings cannot read a {kind!r} from {name}")


def _read(cls: type[_Read], env: Mapping[str, str]) -> _Read:
    """An instance of the settings dataclass `cls`: each field from its variable when that is set and not
    empty, nested settings field by field, the rest at their defaults."""
    kinds = get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        if "env" in item.metadata:
            name = item.metadata["env"]
            raw = (env.get(name) or "").strip()
            if raw:
                parse = item.metadata["parse"]
                values[item.name] = parse(raw) if parse else _parse(name, raw, kinds[item.name],
                                                                    item.metadata["minimum"])
        elif "read" in item.metadata:
            values[item.name] = item.metadata["read"](env)
        elif is_dataclass(kinds[item.name]):
            values[item.name] = _read(kinds[item.name], env)
    return cls(**values)


def from_environment(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables; unknown or empty ones keep their defaults, and a value a
    setting cannot take stops the app with a SettingsError naming the variable."""
    return _read(Settings, os.environ if env is None else env)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_environment()
