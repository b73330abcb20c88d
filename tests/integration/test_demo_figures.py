"""Every figure the demo store shows is backed by rows (DOMAIN.md, "Figures shown must be backed by rows").

The pages a shopper, a seller and the operator read (home, a search, a category, product pages, the seller's
dashboard and statement, the operator's seller page) are walked, and each rating, count, rate and statement
line they show is recomputed here from the rows with SQL over reviews, seller orders, claims and ledger
entries. A few figures of the demo, which is seeded (random.Random(7), its history ending at the start of the
week so that promised dates fall on the same weekdays), are also checked as literals.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

from litestar.testing import AsyncTestClient

from storefront.reviews.tables import Review
from tests.integration.commerce import make_account, sign_in

REVIEWED = "apple-iphone-13-128-gb-midnight"
UNREVIEWED = "apple-iphone-13-pro-128-gb-graphite"  # the demo has sold no iPhone 13 Pro yet
SELLER = "PixelCare Lyon"
SLUG_IN_CARD = re.compile(r'<article class="card">\s*<a class="card__link" href="/p/([^"]+)">(.*?)</article>', re.S)
RATING = re.compile(r'<span class="rating"><span aria-hidden="true">★ ([^<]+)</span>'
                    r'<span class="visually-hidden">Rated ([^<]+) out of 5 by (\d+) buyers</span>')


async def sql(query: str, *args: object) -> list[dict]:
    return await Review.raw(query, *args)


def tenths(value: Decimal) -> str:
    """Hundredths first (the stored figure), then one decimal, both rounded half up: 4.245 → 4.25 → '4.3'."""
    hundredths = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(hundredths.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def shown_stars(ratings: list[int]) -> str:
    return tenths(Decimal(sum(ratings)) / len(ratings))


def shown_rate(count: int, total: int) -> str:
    """A share of delivered orders as the pages write it: basis points, then one decimal: '7.7 %'."""
    basis_points = (Decimal(count) * 10_000 / total).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{(basis_points / 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}\N{NO-BREAK SPACE}%"


def _moment(value: dt.datetime | str) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def cents(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


async def model_ratings(slug: str) -> list[int]:
    rows = await sql("SELECT r.rating FROM review r JOIN variant v ON v.model = r.model "
                     "WHERE v.slug = {} AND r.status = 'published'", slug)
    return [row["rating"] for row in rows]


async def seller_ratings(name: str) -> list[int]:
    rows = await sql("SELECT r.rating FROM review r JOIN seller s ON s.id = r.seller "
                     "WHERE s.name = {} AND r.status = 'published'", name)
    return [row["rating"] for row in rows]


async def seller_rates(seller_id: int) -> dict[str, str]:
    """The charter's rows as the pages should show them, from delivered seller orders and their claims."""
    delivered = await sql("SELECT id, delivered_late FROM seller_order WHERE seller = {} AND status = 'delivered'",
                          seller_id)
    total = len(delivered)
    if total < 20:  # below the threshold of storefront.sellers.figures, no rate is computed
        return {label: "no figure yet" for label in ("Defective products", "Wrong product or accessory",
                                                    "Poorer condition than sold", "Late deliveries")}
    claimed = {}
    for reason in ("defective", "wrong_item", "cosmetic"):
        rows = await sql("SELECT COUNT(DISTINCT c.seller_order) AS n FROM claim c JOIN seller_order so "
                         "ON so.id = c.seller_order WHERE so.seller = {} AND so.status = 'delivered' "
                         "AND c.reason = {}", seller_id, reason)
        claimed[reason] = rows[0]["n"]
    late = sum(1 for row in delivered if row["delivered_late"])
    return {"Defective products": shown_rate(claimed["defective"], total),
            "Wrong product or accessory": shown_rate(claimed["wrong_item"], total),
            "Poorer condition than sold": shown_rate(claimed["cosmetic"], total),
            "Late deliveries": shown_rate(late, total)}


def charter_rows(html: str) -> dict[str, str]:
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(?:<strong>)?([^<,]+)', unescape(html))
    return dict(rows)


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "the page has no JSON-LD"
    return json.loads(match.group(1))


async def check_cards(html: str) -> int:
    """Each card's rating and count against the product's published reviews; returns how many cards were read."""
    cards = SLUG_IN_CARD.findall(html)
    assert cards, "no product card on the page"
    for slug, card in cards:
        ratings = await model_ratings(slug)
        shown = RATING.search(card)
        if not ratings:
            assert shown is None and "No ratings yet" in card, f"{slug}: a rating without a review behind it"
            continue
        assert shown, f"{slug}: {len(ratings)} published reviews, but the card shows no rating"
        assert (shown.group(1), int(shown.group(3))) == (shown_stars(ratings), len(ratings)), slug
    return len(cards)


async def test_home_search_and_category_cards_show_the_ratings_their_reviews_give(client: AsyncTestClient) -> None:
    read = 0
    for page in ("/", "/search?q=iphone", "/search?q=galaxy", "/c/smartphones", "/c/laptops"):
        response = await client.get(page)
        assert response.status_code == 200, page
        read += await check_cards(response.text)
    assert read >= 40


async def test_a_reviewed_product_shows_its_reviews_average_and_count_everywhere(client: AsyncTestClient) -> None:
    ratings = await model_ratings(REVIEWED)
    assert (len(ratings), shown_stars(ratings)) == (50, "4.0"), "the demo's iPhone 13 reviews have changed"

    page = (await client.get(f"/p/{REVIEWED}")).text
    shown = RATING.search(page)
    assert shown and (shown.group(1), shown.group(3)) == ("4.0", "50")
    assert '<p class="reviews__average">4.0 <small>/ 5 · 50 reviews</small></p>' in page
    rating = json_ld(page)["aggregateRating"]
    assert (rating["ratingValue"], rating["reviewCount"]) == ("4.0", 50)


async def test_a_product_nobody_reviewed_shows_no_rating_on_its_page_its_card_or_its_json_ld(
        client: AsyncTestClient) -> None:
    assert await model_ratings(UNREVIEWED) == [], "the demo has reviews of the iPhone 13 Pro now"

    page = (await client.get(f"/p/{UNREVIEWED}")).text
    assert RATING.search(page) is None
    assert "aggregateRating" not in json_ld(page)
    assert "No reviews yet" in page
    cards = dict(SLUG_IN_CARD.findall((await client.get("/search", params={"q": "iphone 13 pro"})).text))
    assert UNREVIEWED in cards
    assert RATING.search(cards[UNREVIEWED]) is None and "No ratings yet" in cards[UNREVIEWED]


async def test_the_seller_beside_each_offer_has_the_rating_its_reviews_give(client: AsyncTestClient) -> None:
    checked = 0
    for slug in (REVIEWED, UNREVIEWED, "samsung-galaxy-s23-128-gb-cream", "apple-iphone-12-64-gb-blue"):
        page = unescape((await client.get(f"/p/{slug}")).text)
        for name, figure in re.findall(r"Sold by <strong>([^<]+)</strong>(?: · ★ ([^<]+))?</li>", page):
            ratings = await seller_ratings(name)
            assert figure == (shown_stars(ratings) if ratings else ""), f"{name} on {slug}"
            checked += 1
    assert checked >= 4


async def test_the_sellers_dashboard_and_the_operators_page_show_rates_from_orders_and_claims(
        client: AsyncTestClient) -> None:
    sellers = await sql("SELECT id, name FROM seller WHERE status = 'referenced' ORDER BY id")
    seller_id = next(s["id"] for s in sellers if s["name"] == SELLER)
    assert await seller_rates(seller_id) == {
        "Defective products": "0.0\N{NO-BREAK SPACE}%", "Wrong product or accessory": "3.9\N{NO-BREAK SPACE}%",
        "Poorer condition than sold": "3.9\N{NO-BREAK SPACE}%", "Late deliveries": "15.4\N{NO-BREAK SPACE}%",
    }, f"the demo's {SELLER} has changed"

    operator = await make_account(role="operator")
    for seller in sellers:
        expected = await seller_rates(seller["id"])
        ratings = await seller_ratings(seller["name"])
        expected["Buyers' rating"] = f"{shown_stars(ratings)} out of 5" if ratings else "no rating yet"

        seller_user = await make_account(role="seller", seller_id=seller["id"])
        await sign_in(client, seller_user["id"])
        dashboard = (await client.get("/seller/")).text
        assert {k: v for k, v in charter_rows(dashboard).items() if k in expected} == expected, seller["name"]

        await sign_in(client, operator["id"])
        console = (await client.get(f"/ops/sellers/{seller['id']}")).text
        assert {k: v for k, v in charter_rows(console).items() if k in expected} == expected, seller["name"]


async def test_the_demo_statement_shows_the_commission_the_ledger_booked(client: AsyncTestClient) -> None:
    seller = (await sql("SELECT id FROM seller WHERE name = {}", SELLER))[0]
    today = dt.datetime.now(dt.UTC)
    month_start = dt.datetime(today.year, today.month, 1, tzinfo=dt.UTC)
    # Ledger and order rows of the seller; the month is chosen here, in Python, as the statement does (UTC).
    rows = await sql(
        'SELECT so.id, so.total_cents, so.accepted_at, le.amount_cents FROM seller_order so JOIN ledger_entry le '
        "ON le.\"transaction\" = 'com:' || so.id WHERE so.seller = {} AND le.kind = 'commission' "
        "AND le.account = 'platform_commission'", seller["id"])
    this_month = [row for row in rows if _moment(row["accepted_at"]) >= month_start]
    commission = -sum(row["amount_cents"] for row in this_month)
    confirmed = sum(row["total_cents"] for row in this_month)
    assert commission, "the demo seller confirmed no order this month"

    account = await make_account(role="seller", seller_id=seller["id"])
    await sign_in(client, account["id"])
    page = unescape((await client.get(f"/seller/statements/{today:%Y-%m}")).text)
    line = re.search(r"<dt>Commission \(10\s%\sof each confirmed transaction\)</dt><dd>−([^<]+)</dd>", page)
    assert line, "the statement has no commission line"
    assert cents(line.group(1)) == commission > 0
    # The closing balance is everything the ledger owes the seller, from its first sale to now.
    owed = -sum(row["amount_cents"] for row in await sql(
        "SELECT amount_cents FROM ledger_entry WHERE account = 'seller_payable' AND seller = {}", seller["id"]))
    closing = re.search(r"<dt>Owed (to|by) you at the end of the month</dt><dd>([^<]+)</dd>", page)
    assert closing and cents(closing.group(2)) * (1 if closing.group(1) == "to" else -1) == owed
    assert confirmed > 0


async def test_a_card_shows_the_grades_and_the_lowest_price_its_product_page_offers(client: AsyncTestClient) -> None:
    cards = dict(SLUG_IN_CARD.findall((await client.get("/c/smartphones")).text))
    ranges = {slug: re.search(r'<p class="card__range">from ([^<]+) · (\d) grades</p>', card)
              for slug, card in cards.items()}
    assert sum(1 for found in ranges.values() if found) >= len(cards) // 2, "few cards show their range"
    for slug, found in list(ranges.items())[:6]:
        page = (await client.get(f"/p/{slug}")).text
        prices = [cents(p) for p in re.findall(r'<p class="grade-offer__price" id="offer-\d+"><span class="price">'
                                               r'([^<]+)</span>', page)]
        if len(prices) < 2:
            assert found is None, f"{slug}: one grade, no range"
            continue
        assert found, f"{slug}: {len(prices)} grades on its page, no range on its card"
        assert (cents(found.group(1)), int(found.group(2))) == (min(prices), len(prices)), slug


async def test_the_featured_grades_of_the_demo_are_spread_not_all_fair(client: AsyncTestClient) -> None:
    featured: dict[str, int] = {}
    for page in ("/", "/c/smartphones"):
        for grade in re.findall(r'<p class="card__meta"><span class="grade grade--(\w+)">',
                                (await client.get(page)).text):
            featured[grade] = featured.get(grade, 0) + 1
    assert len(featured) >= 3, featured
    assert max(featured.values()) <= sum(featured.values()) * 2 // 3, featured


async def test_every_demo_order_went_through_the_ledger(client: AsyncTestClient) -> None:
    paid = await sql('SELECT id, reference, total_cents FROM "order" WHERE paid_at IS NOT NULL')
    payments = {row["transaction"]: row["total"] for row in await sql(
        'SELECT "transaction", SUM(amount_cents) AS total FROM ledger_entry '
        "WHERE kind = 'payment' AND account = 'psp_clearing' GROUP BY \"transaction\"")}
    assert len(paid) >= 500
    assert {f"pay:{o['reference']}": o["total_cents"] for o in paid} == payments
    accepted = await sql("SELECT id FROM seller_order WHERE accepted_at IS NOT NULL")
    commissions = await sql("SELECT DISTINCT \"transaction\" FROM ledger_entry WHERE kind = 'commission'")
    assert {f"com:{row['id']}" for row in accepted} == {row["transaction"] for row in commissions}
    balance = await sql('SELECT "transaction", SUM(amount_cents) AS total FROM ledger_entry GROUP BY "transaction" '
                        "HAVING SUM(amount_cents) != 0")
    assert balance == [], "a ledger transaction does not balance"


async def test_the_demo_has_orders_their_buyers_cancelled_and_were_refunded_for(client: AsyncTestClient) -> None:
    rows = await sql("SELECT so.status, so.accepted_at, r.reason, r.status AS refund_status, r.amount_cents, "
                     "so.total_cents FROM refund r JOIN seller_order so ON so.id = r.seller_order "
                     "WHERE r.reason = 'cancellation'")
    assert len(rows) == 3
    assert all(row["status"] == "cancelled" and row["refund_status"] == "sent" for row in rows)
    assert all(row["amount_cents"] == row["total_cents"] for row in rows)
    # One before its seller confirmed it, the others after: their commission was handed back.
    assert sorted(row["accepted_at"] is None for row in rows) == [False, False, True]


async def test_the_demo_resolves_claims_and_has_returns_at_several_steps(client: AsyncTestClient) -> None:
    claims = {row["status"]: row["n"] for row in await sql("SELECT status, COUNT(*) AS n FROM claim GROUP BY status")}
    returns = {row["status"]: row["n"] for row in await sql(
        "SELECT status, COUNT(*) AS n FROM return_request GROUP BY status")}
    refunds = await sql("SELECT reason, status FROM refund")

    assert claims.get("resolved", 0) >= 10 and claims.get("open", 0) >= 1
    assert returns.get("refunded", 0) >= 3 and set(returns) - {"refunded"}, "no return still under way"
    assert {row["reason"] for row in refunds} >= {"claim", "withdrawal", "cancellation"}
    assert {row["status"] for row in refunds} == {"sent"}
