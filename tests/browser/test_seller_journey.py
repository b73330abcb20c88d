"""A refurbisher's first day, in Chromium: it applies, the operator references it, it lists an offer through the
form, imports 50 offers by CSV (two bad lines refused, fixed, imported), reads an offer's price to win, lowers
the price to it and finds the offer featured on the product page; a shopper buys it, and the seller's webhook
receiver gets the new order."""
from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from storefront.accounts.tables import Account
from storefront.catalog.tables import Variant
from storefront.sellers.services import iban_with_check_digits
from storefront.sellers.tables import Offer, Seller
from storefront.units import money, parse_euros
from tests.browser.axe import assert_accessible
from tests.browser.csp import LISTEN
from tests.integration.webhook_receiver import start_receiver

pytestmark = pytest.mark.browser

OPERATOR = ("operator@encore.example", "encore-demo-operator")
SHOPPER = ("shopper@encore.example", "encore-demo-shopper")
PRODUCT = "apple-iphone-13-128-gb-midnight"
COLUMNS = ("sku,variant_id,grade,price,stock,shipping,delivery_days,warranty_months,battery_health_pct,new_battery,"
           "payment_means,condition_note")


def run(coroutine):
    """Sync Playwright keeps an event loop busy in this thread: database reads run in another one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def seller_named(name: str) -> dict:
    return await Seller.select(Seller.id, Seller.status).where(Seller.name == name).first()


async def listable_variants(count: int) -> list[int]:
    rows = await Variant.select(Variant.id).where(Variant.model._.is_dereferenced.eq(False)).order_by(
        Variant.id).limit(count)
    return [row["id"] for row in rows]


async def variant_id_of(slug: str) -> int:
    return (await Variant.select(Variant.id).where(Variant.slug == slug).first())["id"]


async def offer_of(seller_id: int, sku: str) -> dict:
    return await Offer.select().where((Offer.seller == seller_id) & (Offer.sku == sku)).first()


async def confirmed(email: str) -> bool:
    row = await Account.select(Account.confirmed_at).where(Account.email == email).first()
    return row is not None and row["confirmed_at"] is not None


def sign_in(page, base: str, email: str, password: str, then: str) -> None:
    page.goto(f"{base}/login?next={then}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(then)))


def csv_file(rows: list[str]) -> dict:
    return {"name": "offers.csv", "mimeType": "text/csv", "buffer": ("\r\n".join([COLUMNS, *rows]) + "\r\n").encode()}


def offer_row(sku: str, variant: int, price: str = "199.00", grade: str = "good") -> str:
    return f"{sku},{variant},{grade},{price},3,0,2,12,88,no,card,Light marks on the back"


def test_a_refurbisher_applies_lists_imports_wins_the_featured_slot_and_gets_its_order(
        live_server: str, browser) -> None:
    tag = uuid.uuid4().hex[:6]
    shop = f"Journey Refurb {tag}"
    email = f"owner-{tag}@journey-refurb.example"
    password = "a long seller password"
    server, receiver = start_receiver()
    try:
        seller_context = browser.new_context(viewport={"width": 1366, "height": 900})
        seller_context.add_init_script(LISTEN)
        page = seller_context.new_page()

        # 1. The refurbisher applies from the sign-in page's link.
        page.goto(f"{live_server}/login")
        page.get_by_role("link", name=re.compile("^Apply to sell")).click()
        page.wait_for_url(re.compile(r"/seller/apply$"))
        assert_accessible(page)
        page.get_by_label("Your name").fill("Nadia Journey")
        page.get_by_label("Your e-mail address, to sign in").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_label("Shop name, as buyers will see it").fill(shop)
        page.get_by_label("Company name, as registered").fill(f"{shop} SAS")
        page.get_by_label("Registered address").fill("8 rue de la Paix, 44000 Nantes")
        page.get_by_label("Country (two-letter code, e.g. FR)").fill("FR")
        page.get_by_label("Phone number").fill("+33 2 40 12 34 56")
        page.get_by_label("E-mail address for buyers and for us").fill(f"orders-{tag}@journey-refurb.example")
        page.get_by_label("Trade register number").fill("RCS Nantes 732 829 320")
        page.get_by_label("VAT number").fill("FR44732829320")
        page.get_by_label("Legal representative's full name").fill("Nadia Journey")
        page.get_by_label(re.compile("Their identity document")).fill("passport 18AB12345")
        page.get_by_label("IBAN of the account we pay you to").fill(
            iban_with_check_digits("FR", "30004000031234567890143"))
        page.get_by_label(re.compile("We certify that we offer only products")).check()
        page.get_by_label(re.compile("We accept the seller conditions")).check()
        page.get_by_role("button", name="Apply to sell").click()
        page.wait_for_url(re.compile(r"/seller/apply/sent"))
        assert_accessible(page)

        # The dev mailbox stands in for the refurbisher's inbox: the link confirms the address.
        message = page.get_by_role("row").filter(has_text=email).get_by_role("link").first
        for _ in range(40):
            page.goto(f"{live_server}/dev/mailbox")
            if message.count():
                break
            page.wait_for_timeout(250)
        message.click()
        link = urlsplit(page.get_by_role("link", name=re.compile(r"signup.confirm")).get_attribute("href"))
        page.goto(f"{live_server}{link.path}?{link.query}")
        page.get_by_role("button", name=re.compile("Confirm")).click()
        page.wait_for_url(re.compile(r"/seller/"))
        assert run(confirmed(email))
        seller = run(seller_named(shop))
        assert seller["status"] == "pending"

        # 2. The operator checks and references it.
        operator_context = browser.new_context(viewport={"width": 1366, "height": 900})
        operator_context.add_init_script(LISTEN)
        ops = operator_context.new_page()
        sign_in(ops, live_server, *OPERATOR, then=f"/ops/sellers/{seller['id']}")
        ops.get_by_role("button", name="Reference this seller").click()
        ops.wait_for_load_state()
        assert run(seller_named(shop))["status"] == "referenced"
        operator_context.close()

        # 3. It lists an offer through the form, first with a mistake shown next to its field.
        page.goto(f"{live_server}/seller/offers/new?q=iPhone+13+128+Midnight")
        assert_accessible(page)
        page.get_by_role("link", name=re.compile(r"iPhone 13 128 GB Midnight")).first.click()
        page.wait_for_url(re.compile(r"/seller/offers/new\?variant="))
        page.get_by_label("Your SKU").fill(f"IP13-128-MID-{tag}")
        page.get_by_role("radio", name=re.compile(r"^Good\b")).check()
        page.get_by_label("Price (€, VAT included)").fill("0.50")
        page.get_by_label("Stock (units ready to ship)").fill("4")
        page.get_by_label("Shipping cost (€)").fill("0")
        page.get_by_label("Delivery promise (working days)").fill("2")
        page.get_by_label("Commercial warranty (months)").fill("12")
        page.get_by_label("Battery health (%)").fill("91")
        page.get_by_role("radio", name="No, the original battery").check()
        page.get_by_role("checkbox", name="Card", exact=True).check()
        page.get_by_role("button", name="Put on sale").click()
        page.get_by_text(re.compile(r"Enter a price from €1\.00")).first.wait_for()
        assert page.get_by_label("Your SKU").input_value() == f"IP13-128-MID-{tag}"
        assert_accessible(page)
        page.get_by_label("Price (€, VAT included)").fill("899.00")
        page.get_by_role("button", name="Put on sale").click()
        page.wait_for_url(re.compile(r"/seller/offers/\d+"))
        offer = run(offer_of(seller["id"], f"IP13-128-MID-{tag}"))
        assert (offer["price_cents"], offer["status"]) == (89_900, "active")

        # 4. A CSV of 50 offers with two bad lines changes nothing; fixed, it creates all 50.
        variants = run(listable_variants(50))
        rows = [offer_row(f"CSV-{tag}-{n:02d}", variant) for n, variant in enumerate(variants)]
        bad = list(rows)
        bad[3] = offer_row(f"CSV-{tag}-03", variants[3], price="cheap")  # file line 5
        bad[7] = offer_row(f"CSV-{tag}-07", variants[7], grade="like-new")  # file line 9
        page.goto(f"{live_server}/seller/offers/import")
        assert_accessible(page)
        page.get_by_label("CSV file of your offers").set_input_files(csv_file(bad))
        page.get_by_role("button", name="Upload and preview").click()
        page.get_by_role("heading", name="Rejected rows").wait_for()
        rejected = page.locator("section[aria-labelledby=rejected-title] tbody tr")
        assert rejected.count() == 2
        assert [rejected.nth(i).locator("td").first.inner_text() for i in range(2)] == ["5", "9"]
        assert "price" in rejected.nth(0).inner_text() and "grade" in rejected.nth(1).inner_text()
        assert page.get_by_role("button", name=re.compile("^Apply this file")).count() == 0
        assert_accessible(page)
        assert run(offer_of(seller["id"], f"CSV-{tag}-00")) is None
        page.goto(f"{live_server}/seller/offers/import")
        page.get_by_label("CSV file of your offers").set_input_files(csv_file(rows))
        page.get_by_role("button", name="Upload and preview").click()
        page.get_by_role("button", name="Apply this file: 50 to create, 0 to change").click()
        page.get_by_text("Done: 50 created, 0 changed, 0 left as they were.").wait_for()
        assert run(offer_of(seller["id"], f"CSV-{tag}-49"))["price_cents"] == 19_900

        # 5. The webhook goes to the refurbisher's own server.
        page.goto(f"{live_server}/seller/webhooks")
        page.get_by_label("Address your server receives events at").fill(receiver.url)
        page.get_by_role("button", name="Save the address").click()
        page.wait_for_load_state()
        assert_accessible(page)

        # 6. The offer is not featured; the portal states the price that would be, and at that price it is.
        page.goto(f"{live_server}/seller/offers/{offer['id']}")
        statement = page.locator(".price-to-win").first.inner_text()
        assert "Not featured" in statement
        to_win = re.search(r"at €([\d,]+\.\d{2}) or less", statement).group(1).replace(",", "")
        to_win_cents = parse_euros(to_win)
        assert to_win_cents is not None and to_win_cents < 89_900
        assert_accessible(page)
        page.get_by_label("Price (€, VAT included)").fill(to_win)
        page.get_by_role("button", name="Save changes").click()
        page.wait_for_load_state()
        page.goto(f"{live_server}/seller/offers/{offer['id']}")
        assert "Featured in Good" in page.locator(".price-to-win").first.inner_text()
        seller_context.close()

        # 7. The product page features it in its grade; a shopper buys it there.
        shopper_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        shopper_context.add_init_script(LISTEN)
        buyer = shopper_context.new_page()
        sign_in(buyer, live_server, *SHOPPER, then=f"/p/{PRODUCT}")
        featured = buyer.locator(".grade-offer").filter(has_text=shop)
        assert featured.count() == 1
        assert money(to_win_cents) in featured.inner_text().replace("\N{NO-BREAK SPACE}", " ")
        featured.get_by_role("button", name="Add to cart").click()
        buyer.get_by_text("Added to your cart").first.wait_for()
        buyer.goto(f"{live_server}/cart")
        buyer.get_by_role("link", name="Check out").click()
        buyer.wait_for_url(re.compile(r"/checkout/address"))
        buyer.get_by_label("Street and number").fill("12 rue Paul Bert")
        buyer.get_by_label("Postcode").fill("69003")
        buyer.get_by_label("Town or city").fill("Lyon")
        buyer.get_by_role("button", name="Continue to shipping").click()
        buyer.wait_for_url(re.compile(r"/checkout/shipping"))
        buyer.get_by_role("button", name="Continue to payment").click()
        buyer.wait_for_url(re.compile(r"/checkout/payment"))
        buyer.get_by_label("Bank card").check()
        buyer.get_by_role("button", name="Review your order").click()
        buyer.wait_for_url(re.compile(r"/checkout/review"))
        buyer.get_by_role("button", name="Order with obligation to pay").click()
        buyer.wait_for_url(re.compile(r"/sandbox/pay/"))
        buyer.get_by_label("Name on the card").fill("Sam Shopper")
        buyer.get_by_label("Card number").fill("4242 4242 4242 4242")
        buyer.get_by_label("Expiry (MM/YY)").fill("12/30")
        buyer.get_by_label("Security code").fill("123")
        buyer.get_by_role("button", name=re.compile("^Pay")).click()
        buyer.get_by_role("heading", name="Thank you, your order is paid").wait_for()
        reference = re.search(r"EN-[A-Z0-9]{8}", buyer.content()).group(0)
        shopper_context.close()

        # 8. The seller's server hears of the order, signed, with its SKU and price.
        receiver.wait_for(1)
        created = [event for event in receiver.events() if event["type"] == "order.created"]
        assert len(created) == 1
        order = created[0]["data"]["seller_order"]
        assert order["order_reference"] == reference
        assert [(line["sku"], line["unit_price_cents"]) for line in order["lines"]] == [
            (f"IP13-128-MID-{tag}", to_win_cents)]
        assert "encore-signature" in receiver.requests[-1].headers
    finally:
        server.shutdown()
