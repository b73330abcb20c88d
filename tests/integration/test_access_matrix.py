"""Role × route: every route of the app, asked by anonymous, shopper A, shopper B, seller X, seller Y and the
operator, with its path filled with a real object that belongs to someone else. Zero leaks expected:
- anonymous on a private area → sent to sign in;
- a signed-in person without the area's role → 403;
- someone else's object → 404;
- no page shows another account's private details (e-mail, full name, order reference, delivery street).

The world is made once for the module through the store's own services (carts, placement, the payment
notification, the seller's transitions, reviews, moderation, notices) and deleted at the end. Unsafe methods
carry a valid CSRF token for the asker, so each request reaches the guard and the handler; forms are otherwise
empty, so nothing the operator may do is actually done.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from search_index.service import backend_from_settings
from storefront.accounts import sessions
from storefront.accounts.sessions import SessionState
from storefront.api import tokens as api_tokens
from storefront.app import create_app
from storefront.cart import service as carts
from storefront.cart.tables import CartLine
from storefront.catalog import requests as catalogue_requests
from storefront.catalog.tables import Variant
from storefront.documents import service as documents
from storefront.mail.tables import OutboxEmail
from storefront.moderation import complaints, notices, review_reports
from storefront.moderation.tables import Complaint, Decision
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import Claim, OrderLine, SellerOrder
from storefront.payments.provider import SandboxProvider
from storefront.payments.service import handle_notification
from storefront.payments.tables import PayoutRun, Refund
from storefront.returns import service as returns
from storefront.returns.states import ReturnKind
from storefront.reviews import rules
from storefront.reviews import service as reviews
from storefront.sellers.offer_csv import read_upload, template_csv
from storefront.sellers.offer_import import start_import
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings, get_settings
from storefront.tradein import operator as tradein_operator
from storefront.tradein import photos as tradein_photos
from storefront.tradein.tables import TradeIn, TradeInPhoto
from storefront.web import csrf
from storefront.web.viewer import SESSION_COOKIE, Viewer
from storefront.webhooks import endpoints as webhook_endpoints
from storefront.webhooks.tables import WebhookDelivery, WebhookEndpoint
from tests.integration.commerce import make_account

ROLES = ("anonymous", "shopper_a", "shopper_b", "seller_x", "seller_y", "operator")
SIGN_IN = re.compile(r"^/login\?next=")
AREAS = {"/ops": "operator", "/seller": "seller", "/account": "account", "/checkout": "account",
         "/decisions": "account", "/dev": "dev", "/api/seller/v1": "api",
         "/sell/accept": "account"}  # accepting a trade-in quote needs an account; /sell itself is public
# The seller API opens to an API token only, never to a session's cookie: every role is refused (401), but
# for its public schema; the schema router's other paths do not exist.
API_SCHEMA = {"/api/seller/v1/openapi.json": "allowed", "/api/seller/v1": "404", "/api/seller/v1/{path:str}": "404"}
# Path parameters that name something owned by one account (filled with someone else's) in each area.
OWNED = {"account": {"reference", "review_id", "decision_id", "return_id"},
         "seller": {"seller_order_id", "claim_id", "offer_id", "request_id", "token_id", "delivery_id", "import_id",
                    "return_id", "trade_in_id", "photo_id"},
         "shop": {"line_id"}}


# Public pages under a private prefix (tests/integration/test_route_access.py says which, and why).
PUBLIC_UNDER_PRIVATE = {"/seller/apply", "/seller/apply/sent"}


def area_of(path: str) -> str:
    if path in PUBLIC_UNDER_PRIVATE:
        return "shop"
    return next((area for prefix, area in AREAS.items() if path == prefix or path.startswith(prefix + "/")), "shop")


def _app_routes() -> list[tuple[str, str]]:
    app = create_app(get_settings(), backend=object())  # the routes only, for collection
    found = set()
    for route in app.routes:
        if route.path.startswith("/static"):
            continue  # files, not pages: the route-access test checks the router is marked public
        for handler in route.route_handlers:
            found.update((method, route.path) for method in handler.http_methods if method in ("GET", "POST"))
    return sorted(found, key=lambda r: (r[1], r[0]))


ROUTES = _app_routes()


@dataclass
class Party:
    """One account and what it owns, with the words that must never reach anyone else's page."""

    account: dict[str, Any]
    private: list[str]
    seller: int | None = None
    owned: dict[str, Any] = field(default_factory=dict)
    session: tuple[str, SessionState] | None = None


@dataclass
class World:
    settings: Settings
    parties: dict[str, Party]
    public: dict[str, Any]
    sellers: list[int]
    variants: set[int]

    def other_shopper(self, role: str) -> Party:
        return self.parties["shopper_a" if role == "shopper_b" else "shopper_b"]

    def other_seller(self, role: str) -> Party:
        return self.parties["seller_x" if role == "seller_y" else "seller_y"]

    def related(self, role: str) -> set[str]:
        """Whose details this role may legitimately see: itself, and for a seller the buyer it ships to."""
        return {"seller_x": {"seller_x", "shopper_a"}, "seller_y": {"seller_y", "shopper_b"}}.get(role, {role})


async def _seller(tag: str) -> tuple[int, list[int], set[int]]:
    seller = Seller(name=f"Matrix {tag} {uuid.uuid4().hex[:6]}", slug=f"matrix-{tag}-{uuid.uuid4().hex[:6]}",
                    legal_name=f"Matrix {tag} SAS", email=f"shop-{uuid.uuid4().hex[:8]}@example.com",
                    status="referenced", self_certified=True, joined_at=dt.datetime.now(dt.UTC))
    await seller.save()
    variants = [v["id"] for v in await Variant.select(Variant.id).order_by(Variant.id).limit(2)]
    offers = []
    for variant in variants:
        offer = Offer(seller=seller.id, sku=f"M-{variant}", variant=variant, grade="fair", price_cents=15_000,
                      shipping_cents=500,
                      stock=50, delivery_days=3, warranty_months=12, payment_means="card", status="active",
                      updated_at=dt.datetime.now(dt.UTC))
        await offer.save()
        offers.append(offer.id)
    return seller.id, offers, set(variants)


async def _trade_in(seller_id: int, account_id: int, variant_id: int) -> tuple[str, int, int]:
    """A device received by the refurbisher, with an inspection photo's row: its reference and ids."""
    variant = await Variant.select(Variant.model).where(Variant.id == variant_id).first()
    reference, now = f"TI-M{uuid.uuid4().hex[:8].upper()}", dt.datetime.now(dt.UTC)
    made = await TradeIn.insert(TradeIn(
        reference=reference, account=account_id, seller=seller_id, model=variant["model"], storage_gb=128,
        declared_state="functional_good", quote_cents=15_000, status="received", ship_by=now,
        id_document_type="passport", id_document_number="X1", iban="FR7630006000011234567890189",
        holder_name="Matrix", ownership_declared=True, created_at=now, updated_at=now)).returning(TradeIn.id)
    photo = await TradeInPhoto.insert(TradeInPhoto(
        trade_in=made[0]["id"], storage_key=uuid.uuid4().hex, content_type="image/jpeg", size_bytes=1,
        created_at=now)).returning(TradeInPhoto.id)
    return reference, made[0]["id"], photo[0]["id"]


async def _catalogue_request(seller_id: int, model_name: str) -> int:
    """A pending catalogue request of the seller's, whose model name only its own portal and the console show."""
    return await catalogue_requests.submit_request(seller_id, catalogue_requests.read_request_form({
        "brand_name": "Matrixphone", "model_name": model_name, "category": "1", "color": "Blue",
        "ean": "4006381333931", "manufacturer_name": "Matrixphone GmbH",
        "manufacturer_address": "1 Matrixstraße, Berlin", "manufacturer_country": "DE",
        "manufacturer_email": "safety@matrixphone.example", "product_type": "Smartphone",
        "safety_information": "Contains a lithium-ion battery: do not open or heat it."}))


async def _shopper_with_delivered_order(label: str, seller_id: int, offers: list[int], operator_id: int,
                                        settings: Settings, *, complains: bool) -> Party:
    name = f"{label} Matrixperson{uuid.uuid4().hex[:6]}"
    street = f"{uuid.uuid4().hex[:6]} rue Privée"
    account = await make_account("shopper", name=name)
    cart = await carts.create_cart(account["id"])
    for offer in offers:
        await carts.add(cart, offer, 1)
    placed = await place_order(cart_id=cart, account_id=account["id"], payment_means="card",
                        address=DeliveryAddress(name, street, "69003", "Lyon"), idempotency_key=uuid.uuid4().hex,
                        settings=settings)
    provider = SandboxProvider(settings.payment_webhook_secret)
    body, signature = provider.notification(event_id=f"evt_{uuid.uuid4().hex}", succeeded=True,
                                            payment_reference=placed.payment_reference,
                                            amount_cents=placed.total_cents, currency="EUR")
    assert await handle_notification(body, signature, provider=provider, settings=settings) == "paid"
    seller_order = await SellerOrder.select().where(SellerOrder.order == placed.order_id).first()
    await transitions.accept(seller_order["id"], seller_id=seller_id, settings=settings)
    await transitions.ship(seller_order["id"], seller_id=seller_id, carrier="Colissimo", tracking_number="6A1",
                           settings=settings)
    await transitions.deliver(seller_order_id=seller_order["id"], seller_id=seller_id, settings=settings)
    await transitions.open_claim(seller_order_id=seller_order["id"], account_id=account["id"],
               reason="defective", message="The screen flickers.", settings=settings)
    lines = await OrderLine.select(OrderLine.id).where(OrderLine.seller_order == seller_order["id"]).order_by(
        OrderLine.id)
    form = {"rating": "4", "comment": "Works well, as described.", **{n: "4" for n in rules.SUB_RATINGS}}
    kept, removed = [await reviews.create(account=account, order_line_id=line["id"],
                                data=reviews.read_form(form)) for line in lines]
    await review_reports.remove_review(
        removed, review_reports.ReviewRemovalInput(ground="advertising", facts="The comment advertises another shop."),
        operator_id=operator_id, settings=settings)
    decision = await Decision.select(Decision.id).where(Decision.recipient_account == account["id"]).first()
    if complains:  # the complainant becomes an actor of the append-only audit log, and stays
        await complaints.complain(decision["id"], account["id"],
                                  complaints.ComplaintInput("My review only spoke about the product."))
    own_cart = await carts.create_cart(account["id"])
    await carts.add(own_cart, offers[0], 1)
    cart_line = await CartLine.select(CartLine.id).where(CartLine.cart == own_cart).first()
    claim = await Claim.select(Claim.id).where(Claim.seller_order == seller_order["id"]).first()
    # A withdrawal with its label issued: the label page is the buyer's and the seller's alone.
    return_id = await returns.request(seller_order["id"], account_id=account["id"], kind=ReturnKind.withdrawal,
                                      reason="", settings=settings)
    await returns.issue_label(return_id, seller_id=seller_id, settings=settings)
    return Party(account=account, private=[account["email"], name, placed.reference, street], owned={
        "reference": placed.reference, "payment_reference": placed.payment_reference, "review_id": kept,
        "decision_id": decision["id"], "line_id": cart_line["id"], "cart": own_cart,
        "seller_order_id": seller_order["id"], "claim_id": claim["id"], "return_id": return_id})


@pytest.fixture(scope="module")
async def world(module_store: Settings) -> AsyncIterator[World]:
    settings = module_store
    x, x_offers, x_variants = await _seller("X")
    y, y_offers, y_variants = await _seller("Y")
    operator = await make_account("operator", name=f"Olga Operatorperson{uuid.uuid4().hex[:6]}")
    parties = {"operator": Party(operator, [operator["email"], operator["name"]])}
    parties["shopper_a"] = await _shopper_with_delivered_order("Aurore", x, x_offers, operator["id"], settings,
                                                               complains=False)
    parties["shopper_b"] = await _shopper_with_delivered_order("Bastien", y, y_offers, operator["id"], settings,
                                                               complains=True)
    for role, seller_id, buyer, offers in (("seller_x", x, "shopper_a", x_offers),
                                           ("seller_y", y, "shopper_b", y_offers)):
        name = f"Sam Sellerperson{uuid.uuid4().hex[:6]}"
        requested = f"Matrixmodel{uuid.uuid4().hex[:6]}"
        account = await make_account("seller", seller_id=seller_id, name=name)
        token = await api_tokens.create_token(seller_id, api_tokens.TokenInput(f"Matrix ERP {uuid.uuid4().hex[:6]}"))
        # A webhook endpoint and a delivery: the address and the signing secret are the seller's alone.
        hook_url = f"http://127.0.0.1:9/hooks-{uuid.uuid4().hex[:8]}"
        await webhook_endpoints.save_endpoint(seller_id, hook_url, settings)
        event_id = await webhook_endpoints.send_test_event(seller_id)
        delivery = await WebhookDelivery.select(WebhookDelivery.id).where(WebhookDelivery.event_id == event_id).first()
        secret = (await WebhookEndpoint.select(WebhookEndpoint.secret).where(
            WebhookEndpoint.seller == seller_id).first())["secret"]
        trade_in_ref, trade_in_id, photo_id = await _trade_in(seller_id, parties[buyer].account["id"],
                                                              min(x_variants if seller_id == x else y_variants))
        offers_file = read_upload((template_csv() + "M-1,1,good,100,1,0,2,12,90,no,card,ok\r\n").encode())
        # The trade-in is the buyer's sale to this seller: its reference is the buyer's word, which the seller
        # may read (related) and nobody else.
        parties[buyer].private.append(trade_in_ref)
        parties[role] = Party(account, [account["email"], name, requested, token.name, hook_url, secret, event_id],
                              seller=seller_id, owned={
            "trade_in_id": trade_in_id, "photo_id": photo_id,
            "seller_order_id": parties[buyer].owned["seller_order_id"],
            "claim_id": parties[buyer].owned["claim_id"], "return_id": parties[buyer].owned["return_id"],
            "offer_id": offers[0],
            "request_id": await _catalogue_request(seller_id, requested), "token_id": token.id,
            "delivery_id": delivery["id"], "import_id": await start_import(seller_id, offers_file, "matrix.csv")})
    notice_id = await notices.file_notice(notices.NoticeInput(
        subject=await notices.reportable_subject("offer", y_offers[0]), category="counterfeit",
        explanation="The photos show a logo that the manufacturer never used.",
        location="https://encore.example/p/x", name="Nadia Notifier", email="nadia-matrix@example.com",
        good_faith=True), settings=settings)
    variant = await Variant.select(Variant.slug, Variant.model.category.slug.as_alias("category")).where(
        Variant.id == min(y_variants)).first()
    complaint = await Complaint.select(Complaint.id).where(
        Complaint.decision == parties["shopper_b"].owned["decision_id"]).first()
    message = await OutboxEmail.select(OutboxEmail.id).order_by(OutboxEmail.id, ascending=False).first()
    # A payout run with a file, for the console's download (the operator's alone).
    payout_run = (await PayoutRun.insert(PayoutRun(
        run_on=dt.date(2000, 1, 6), created_at=dt.datetime.now(dt.UTC), payout_count=1, total_cents=100,
        file_name="pain001-2000-01-06.xml", document="<Document/>")).returning(PayoutRun.id))[0]["id"]
    # A trade-in of seller Y's with a dispute, for the console's trade-in pages (the operator's alone).
    trade_in = (await TradeIn.insert(TradeIn(
        reference=f"TI-M{uuid.uuid4().hex[:6].upper()}", account=parties["shopper_b"].account["id"], seller=y,
        model=(await Variant.select(Variant.model).where(Variant.id == min(y_variants)).first())["model"],
        storage_gb=64, declared_state="functional_good", quote_cents=10_000, status="received",
        ship_by=dt.datetime.now(dt.UTC), id_document_type="passport", id_document_number="M1",
        iban="FR7630006000011234567890189", holder_name="Matrix", ownership_declared=True,
        created_at=dt.datetime.now(dt.UTC), updated_at=dt.datetime.now(dt.UTC))).returning(TradeIn.id))[0]["id"]
    dispute = await tradein_operator.raise_dispute(trade_in, "person", "Matrix dispute.", settings=settings)
    # Its inspection photo, a real file: the console shows it to the operator alone.
    console_photo = await tradein_photos.add_photo(await TradeIn.select().where(TradeIn.id == trade_in).first(),
                                                   b"\xff\xd8\xff\xe0" + b"\x00" * 64, settings)
    # A refund held up at the provider, for the console's "send again" (the operator's alone).
    held_part = await SellerOrder.select(SellerOrder.id, SellerOrder.order).where(
        SellerOrder.id == parties["shopper_b"].owned["seller_order_id"]).first()
    held_refund = (await Refund.insert(Refund(
        order=held_part["order"], seller_order=held_part["id"], reason="operator", amount_cents=1, status="failed",
        last_error="matrix", created_at=dt.datetime.now(dt.UTC))).returning(Refund.id))[0]["id"]
    # A receipt of shopper B's, for the console's downloads (the seller and account downloads name no id).
    receipt = await documents.issue_receipt(parties["shopper_b"].account["id"], parties["shopper_b"].owned["reference"],
                                            settings)
    assert receipt is not None
    public = {"slug": variant["slug"], "category_slug": variant["category"], "name": f"{min(y_variants)}.svg",
              "token": "0.not-a-reset-token", "complaint_id": complaint["id"], "seller_id": y,
              "model_id": (await Variant.select(Variant.model).where(Variant.id == min(y_variants)).first())[
                  "model"], "notice_id": notice_id, "message_id": message["id"],
              "period": dt.date.today().strftime("%Y-%m"), "run_id": payout_run, "refund_id": held_refund,
              "return_id": parties["shopper_b"].owned["return_id"],
              "request_id": parties["seller_y"].owned["request_id"],
              "claim_id": parties["shopper_b"].owned["claim_id"],  # the console's claim pages
              "trade_in_id": trade_in, "dispute_id": dispute,  # the console's trade-in pages
              # The seller API's objects: seller Y's offer and order, asked with everyone's cookies.
              "sku": f"M-{min(y_variants)}", "order_id": parties["shopper_b"].owned["seller_order_id"], "path": "x",
              "document_id": receipt["id"], "file_format": "pdf", "file_name": "statement.pdf",
              # A trade-in photo: the console's trade-in's for the operator; under someone else's reference (filled
              # above) it is missing.
              "photo_id": console_photo}
    yield World(settings, parties, public, [x, y], x_variants | y_variants)


@pytest.fixture(scope="module")
async def matrix_client(module_store: Settings) -> AsyncIterator[AsyncTestClient]:
    """One app for the whole matrix: making one per route would cost more than asking it six times."""
    async with AsyncTestClient(app=create_app(module_store, backend_from_settings(module_store))) as client:
        yield client


def fill(path: str, role: str, world: World) -> str:
    area = area_of(path)
    other = world.other_seller(role) if area == "seller" else world.other_shopper(role)

    def value(match: re.Match) -> str:
        name = match.group(1)
        if path.startswith("/sandbox/pay/"):
            return other.owned["payment_reference"]
        if path.startswith("/c/") and name == "slug":
            return world.public["category_slug"]
        if area == "operator" and name == "review_id":
            return str(world.parties["shopper_b"].owned["review_id"])
        if name in other.owned and area != "operator":
            return str(other.owned[name])
        return str(world.public[name])

    return re.sub(r"\{(\w+):\w+\}", value, path)


async def as_person(client: AsyncTestClient, path: str, role: str, world: World) -> Viewer:
    """The client's cookies made those of `role` (none for "anonymous"), about to ask for `path`; returns the
    viewer the store will see, for the CSRF token of a form."""
    client.cookies.clear()
    if role == "anonymous":
        return Viewer()
    party = world.parties[role]
    if party.session is None:
        party.session = await sessions.create(account_id=party.account["id"], cart_id=party.owned.get("cart"))
    token, state = party.session
    if path == "/logout":
        party.session = None  # signing out ends the session it is asked with
    client.cookies.set(SESSION_COOKIE, token)
    return Viewer(session=state)


async def ask(client: AsyncTestClient, method: str, path: str, role: str, world: World):
    viewer = await as_person(client, path, role, world)
    headers = {"X-Forwarded-For": "203.0.113.9"} if area_of(path) == "dev" else {}
    if method == "GET":
        return await client.get(path, headers=headers, follow_redirects=False)
    # A quantity of 1 is the one field sent: a cart line is then judged on whose it is, not on a missing number.
    return await client.post(path, data={csrf.FIELD: csrf.issue(world.settings.secret_key, viewer), "quantity": "1"},
                             headers=headers, follow_redirects=False)


def expectation(method: str, template: str, role: str) -> str:
    area = area_of(template)
    params = set(re.findall(r"\{(\w+):", template))
    if area == "dev":
        return "404"  # through a proxy, the development pages do not exist for anyone
    if area == "api":
        return API_SCHEMA.get(template, "401")
    if area != "shop" and role == "anonymous":
        return "sign in"
    if (area == "operator" and role != "operator") or (area == "seller" and not role.startswith("seller")):
        return "403"
    if area == "operator":
        return "allowed"
    if params & OWNED.get(area, set()):
        # Without a session an anonymous form has no token for someone's cart: refused before anything else.
        return "403" if role == "anonymous" and method == "POST" else "404"
    return "allowed"


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_no_route_leaks(method: str, template: str, world: World, matrix_client: AsyncTestClient) -> None:
    client = matrix_client
    failures = []
    for role in ROLES:
        path = fill(template, role, world)
        response = await ask(client, method, path, role, world)
        expected = expectation(method, template, role)
        status, location = response.status_code, response.headers.get("location", "")
        if status >= 500:
            failures.append(f"{role}: {status}")
        elif expected == "sign in" and not (status == 303 and SIGN_IN.match(location)):
            failures.append(f"{role}: expected a redirect to sign in, got {status} {location}")
        elif expected in ("401", "403", "404") and status != int(expected):
            failures.append(f"{role}: expected {expected}, got {status}")
        elif expected == "allowed" and ((status in (401, 403, 404) and area_of(template) == "operator")
                                        or SIGN_IN.match(location)):
            failures.append(f"{role}: the operator was turned away with {status} {location}")
        if role != "operator":
            visible = world.related(role)
            leaked = [word for name, party in world.parties.items() if name not in visible
                      for word in party.private if word in response.text]
            if leaked:
                failures.append(f"{role} at {path} sees {leaked}")
    assert failures == [], f"{method} {template}"


def test_the_matrix_covers_every_area() -> None:
    assert {area_of(path) for _, path in ROUTES} == {"shop", "account", "seller", "operator", "dev", "api"}


async def test_the_private_words_are_on_their_owners_pages(world: World, matrix_client: AsyncTestClient) -> None:
    """So that their absence from everyone else's pages means something."""
    client = matrix_client
    for shopper, seller in (("shopper_a", "seller_x"), ("shopper_b", "seller_y")):
        owner = world.parties[shopper]
        order = (await ask(client, "GET", f"/account/orders/{owner.owned['reference']}", shopper, world)).text
        assert all(word in order for word in owner.private[1:-1]), shopper  # name, reference, street
        trade_ins = (await ask(client, "GET", "/account/trade-ins", shopper, world)).text
        assert owner.private[-1] in trade_ins, shopper  # the trade-in's reference
        shipped = f"/seller/orders/{owner.owned['seller_order_id']}"
        assert owner.owned["reference"] in (await ask(client, "GET", shipped, seller, world)).text
