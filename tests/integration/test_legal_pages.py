"""The legal pages through HTTP: each one is a complete page, reads its figures from the settings the app runs
on (so changing a setting changes the page), links from the footer everywhere, and never points to the closed
EU online dispute resolution platform."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import AsyncIterator
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.audience.service import Publication
from storefront.ranking import RankingWeights
from storefront.settings import Settings
from storefront.web import legal

PRODUCT = "/p/apple-iphone-13-128-gb-midnight"
PAGES = {
    "/legal/other-information": "Other legal information",
    "/legal/ranking": "How offers are ranked",
    "/legal/terms": "Terms of use",
    "/legal/sales-conditions": "General sales conditions",
    "/legal/commercial-guarantee": "Commercial guarantee contract",
    "/legal/seller-conditions": "Seller conditions and quality charter",
    "/legal/privacy": "Privacy notice",
    "/legal/reviews": "How reviews work",
    "/legal/trade-in": "Trade-in conditions",
    "/contact": "Contact us",
    "/contact/authorities": "Contact point for authorities",
}
FOOTER_LINKS = ["/legal/terms", "/legal/sales-conditions", "/legal/commercial-guarantee", "/legal/seller-conditions",
                "/legal/trade-in", "/legal/privacy", "/legal/other-information", "/legal/ranking", "/legal/reviews",
                "/contact", "/report", "/contact/authorities"]
LONG_PAGES = ["/legal/other-information", "/legal/terms", "/legal/sales-conditions", "/legal/commercial-guarantee",
              "/legal/seller-conditions", "/legal/privacy", "/legal/ranking", "/legal/trade-in"]


def text_of(html: str) -> str:
    """The words a reader sees, with tags dropped and white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, anchor: str) -> str:
    match = re.search(rf'<section aria-labelledby="{anchor}">(.*?)</section>', html, re.S)
    assert match, f"no section #{anchor}"
    return text_of(match.group(1))


def footer(html: str) -> str:
    match = re.search(r'<nav class="legal-nav" aria-label="Legal information">(.*?)</nav>', html, re.S)
    assert match, "no legal links in the footer"
    return match.group(1)


@pytest.fixture
def changed_settings(settings: Settings) -> Settings:
    """Every figure the legal pages quote, moved away from its default."""
    return dataclasses.replace(
        settings,
        service_fee=dataclasses.replace(settings.service_fee, rate_basis_points=250, minimum_cents=99,
                                        maximum_cents=1_250),
        seller_fees=dataclasses.replace(settings.seller_fees, monthly_flat_cents=7_900, commission_basis_points=1_175),
        legal_guarantee_months=36, commercial_warranty_min_months=18, withdrawal_days=21, return_window_days=45,
        seller_termination_notice_days=60, unpaid_order_minutes=45,
        quality_charter=dataclasses.replace(settings.quality_charter, max_defect_rate_bp=250,
                                            max_wrong_item_rate_bp=75, min_rating_x100=430,
                                            max_dispatch_working_days=3, min_battery_percent=85),
        ranking=RankingWeights(price=0.30, product_rating=0.10, seller_rating=0.15, processing_quality=0.30,
                               late_delivery=0.10, payment_means=0.05),
        operator=dataclasses.replace(settings.operator, authorities_email="dsa-desk@authority-contact.example",
                                     authorities_languages=("English", "German"), mediator_name="CM2C Médiation"),
    )


@pytest.fixture
async def changed_client(changed_settings: Settings, backend) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(changed_settings, backend)) as client:
        yield client


@pytest.mark.parametrize(("path", "heading"), PAGES.items())
async def test_each_legal_page_is_a_complete_page_that_sets_no_cookie(client: AsyncTestClient, path: str,
                                                                      heading: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    html = response.text
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", html) == [heading]
    assert re.search(rf"<title>{re.escape(heading)} · ", html)
    description = re.search(r'<meta name="description" content="([^"]+)">', html)
    assert description and len(description.group(1)) > 60
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("path", LONG_PAGES)
async def test_long_pages_have_a_table_of_contents_whose_links_reach_their_headings(client: AsyncTestClient,
                                                                                    path: str) -> None:
    html = (await client.get(path)).text
    toc = re.search(r'<nav class="toc"[^>]*>(.*?)</nav>', html, re.S)
    assert toc, f"{path} has no table of contents"
    anchors = re.findall(r'href="#([^"]+)"', toc.group(1))
    assert len(anchors) >= 3
    for anchor in anchors:
        assert re.search(rf'<h2 id="{anchor}">', html), f"{path}: #{anchor} leads nowhere"


@pytest.mark.parametrize("path", ["/", PRODUCT, "/legal/terms", "/contact"])
async def test_the_footer_links_to_every_legal_page(client: AsyncTestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    links = re.findall(r'href="([^"]+)"', footer(response.text))
    assert links == FOOTER_LINKS
    assert "Report illegal content" in footer(response.text)


async def test_no_page_points_to_the_closed_eu_dispute_platform(client: AsyncTestClient) -> None:
    for path in [*PAGES, "/", PRODUCT]:
        html = (await client.get(path)).text
        assert "ec.europa.eu/consumers/odr" not in html, path
        assert "online dispute resolution" not in html.lower(), path


async def test_other_information_states_the_default_figures(client: AsyncTestClient, settings: Settings) -> None:
    html = (await client.get("/legal/other-information")).text
    assert "2 % of the price of the items, at least €0.49 and at most €7.99" in section(html, "money")
    assert "€50.00 a month and a commission of 10 % on every confirmed transaction" in section(html, "money")
    guarantees = section(html, "guarantees")
    assert "for 24 months from delivery" in guarantees and "never shorter than 12 months" in guarantees
    assert "within 14 days of delivery" in guarantees
    assert 'href="/account/orders"' in html and "“Get help”" in guarantees
    assert "after giving it 30 days' notice" in section(html, "dereferencing")
    assert "for 6 months" in section(html, "dereferencing")
    authorities = section(html, "authorities")
    assert settings.operator.authorities_email in authorities and "English or French" in authorities
    assert "product" in authorities and "contact form" in authorities


async def test_other_information_gives_the_mediator_and_the_courts(client: AsyncTestClient,
                                                                   settings: Settings) -> None:
    disputes = section((await client.get("/legal/other-information")).text, "disputes")
    operator = settings.operator
    assert operator.mediator_name in disputes and operator.mediator_address in disputes
    assert operator.mediator_url in disputes and "free of charge" in disputes
    assert "where you lived when the contract was made" in disputes and operator.competent_courts in disputes
    assert "where the product was actually delivered" in disputes


async def test_before_the_first_month_is_counted_the_page_says_when_the_figure_comes(
        client: AsyncTestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def nothing_yet() -> None:
        return None

    monkeypatch.setattr(legal, "published_average", nothing_yet)
    recipients = section((await client.get("/legal/other-information")).text, "recipients")
    assert "after the first complete month of counting" in recipients


async def test_the_published_average_is_shown_with_its_period_method_and_months(
        client: AsyncTestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    publication = Publication(average=12_346, period_start=dt.date(2026, 5, 1), period_end=dt.date(2026, 10, 31),
                              months=(("2026-05", 11_000), ("2026-06", 13_692)),
                              method="Each person is counted once a month, robots excluded.")

    async def published() -> Publication:
        return publication

    monkeypatch.setattr(legal, "published_average", published)
    recipients = section((await client.get("/legal/other-information")).text, "recipients")
    assert "From 01 May 2026 to 31 October 2026" in recipients and "12,346 active recipients a month" in recipients
    assert "Each person is counted once a month, robots excluded." in recipients
    assert "May 2026 11,000" in recipients and "June 2026 13,692" in recipients


async def test_sales_conditions_state_fee_payment_delivery_withdrawal_and_returns(client: AsyncTestClient) -> None:
    html = (await client.get("/legal/sales-conditions")).text
    assert "2 % of the price of the items, never less than €0.49 and never more than €7.99" in section(html, "fee")
    assert "mandate" in section(html, "payment") and "Card, PayPal" in section(html, "payment")
    assert "within 2 working days" in section(html, "delivery")
    assert "within 14 days of the day you receive it" in section(html, "withdrawal")
    assert "within 30 days of delivery" in section(html, "returns")
    assert "for 24 months" in section(html, "guarantees") and "at least 12 months" in section(html, "guarantees")
    assert "Order with obligation to pay" in section(html, "ordering")
    assert "Pay within 30 minutes" in section(html, "ordering")


async def test_commercial_guarantee_states_lengths_presumption_and_how_to_claim(client: AsyncTestClient) -> None:
    html = (await client.get("/legal/commercial-guarantee")).text
    legal_guarantee = section(html, "legal-guarantee")
    assert "within 24 months of delivery" in legal_guarantee
    assert "within 12 months of delivery is presumed" in legal_guarantee
    assert "never shorter than 12 months" in section(html, "warranty")
    claim = section(html, "claim")
    assert "“Get help”" in claim and "The product is defective" in claim and 'href="/account/orders"' in html


async def test_seller_conditions_publish_fees_charter_and_termination(client: AsyncTestClient) -> None:
    html = (await client.get("/legal/seller-conditions")).text
    fees = section(html, "fees")
    assert "€50.00" in fees and "10 % of each confirmed transaction, all taxes and shipping costs included" in fees
    charter = section(html, "charter")
    for expected in ("Defective products at most 3 %", "Wrong products or accessories at most 1 %",
                     "Late deliveries at most 5 %", "Buyers' rating of the seller at least 4.0 out of 5",
                     "at most 2 working days", "at least 80 %"):
        assert expected in charter
    assert "trade register number" in section(html, "traceability")
    assert "Premium" in section(html, "products") and "Fair" in section(html, "products")
    termination = section(html, "termination")
    assert "30 days in advance" in termination and "without notice" in termination
    assert "for 6 months" in section(html, "reasons")


async def test_privacy_notice_explains_the_one_cookie_and_the_anonymous_count(client: AsyncTestClient,
                                                                            settings: Settings) -> None:
    html = (await client.get("/legal/privacy")).text
    cookies = section(html, "cookies")
    assert "when you sign in or add something to your cart" in cookies and "no advertising" in cookies
    assert "salt" in section(html, "audience") and "deleted" in section(html, "audience")
    assert settings.operator.privacy_email in section(html, "rights")


async def test_changing_the_settings_changes_every_page(changed_client: AsyncTestClient) -> None:
    other = (await changed_client.get("/legal/other-information")).text
    assert "2.5 % of the price of the items, at least €0.99 and at most €12.50" in section(other, "money")
    assert "€79.00 a month and a commission of 11.75 %" in section(other, "money")
    assert "for 36 months from delivery" in section(other, "guarantees")
    assert "never shorter than 18 months" in section(other, "guarantees")
    assert "within 21 days of delivery" in section(other, "guarantees")
    assert "after giving it 60 days' notice" in section(other, "dereferencing")
    assert "dsa-desk@authority-contact.example" in section(other, "authorities")
    assert "English or German" in section(other, "authorities")
    assert "CM2C Médiation" in section(other, "disputes")

    sales = (await changed_client.get("/legal/sales-conditions")).text
    assert "2.5 % of the price of the items, never less than €0.99 and never more than €12.50" in section(sales, "fee")
    assert "within 3 working days" in section(sales, "delivery")
    assert "within 45 days of delivery" in section(sales, "returns")
    assert "at least 85 %" in section(sales, "products")
    assert "Pay within 45 minutes" in section(sales, "ordering")

    guarantee = (await changed_client.get("/legal/commercial-guarantee")).text
    assert "within 36 months of delivery" in section(guarantee, "legal-guarantee")
    assert "never shorter than 18 months" in section(guarantee, "warranty")

    sellers = (await changed_client.get("/legal/seller-conditions")).text
    assert "€79.00" in section(sellers, "fees") and "11.75 % of each confirmed transaction" in section(sellers, "fees")
    charter = section(sellers, "charter")
    assert "Defective products at most 2.5 %" in charter and "Wrong products or accessories at most 0.75 %" in charter
    assert "at least 4.3 out of 5" in charter and "at most 3 working days" in charter and "at least 85 %" in charter
    assert "60 days in advance" in section(sellers, "termination")

    ranking = text_of((await changed_client.get("/legal/ranking")).text)
    assert "Price 30 %" in ranking and "Order processing quality 30 %" in ranking

    authorities = text_of((await changed_client.get("/contact/authorities")).text)
    assert "dsa-desk@authority-contact.example" in authorities and "English, German" in authorities

    footer_text = text_of((await changed_client.get("/")).text)
    assert "battery at least 85 %" in footer_text and "36-month legal guarantee" in footer_text


async def test_ranking_example_ranks_a_live_product_by_its_sellers(client: AsyncTestClient) -> None:
    html = (await client.get("/legal/ranking")).text
    example = html[html.index('<h2 id="example">'):]
    product_link = re.search(r'<a href="(/p/[^"]+)">([^<]+)</a> has (\d+) offers', example)
    assert product_link, "the example names no product"
    path, title, offer_count = product_link.group(1), unescape(product_link.group(2)), int(product_link.group(3))
    assert offer_count >= 2
    rows = re.findall(r'<tr[^>]*>\s*<td>(\d+)</td>\s*<th scope="row">([^<]+)</th>\s*'
                      r'<td class="example__num"><strong>([\d.]+)</strong></td>', example)
    assert len(rows) >= 2
    ranks, sellers, scores = zip(*rows, strict=True)
    assert [int(r) for r in ranks] == list(range(1, len(rows) + 1))
    assert [float(s) for s in scores] == sorted((float(s) for s in scores), reverse=True)
    assert f"Why the offer from {sellers[0]} comes first" in example
    assert f"ahead of the offer from {sellers[1]}" in example or f"the same as the offer from {sellers[1]}" in example

    product = await client.get(path)
    assert product.status_code == 200
    assert title in unescape(product.text)
    for seller in sellers:
        assert seller in product.text, f"{seller} does not sell {title}"


@pytest.mark.parametrize("path", ["/search?q=iphone", "/c/smartphones"])
async def test_results_pages_link_to_the_ranking_explanation(client: AsyncTestClient, path: str) -> None:
    assert 'href="/legal/ranking"' in (await client.get(path)).text


async def test_the_placeholder_mediator_address_is_marked_as_one_and_not_linked(client: AsyncTestClient) -> None:
    page = (await client.get("/legal/other-information")).text
    disputes = section(page, "disputes")
    assert "https://mediation.example" in disputes and "placeholder" in disputes
    assert 'href="https://mediation.example"' not in page, "a link that can never resolve"


async def test_a_configured_mediator_address_is_linked(settings: Settings, backend) -> None:
    configured = dataclasses.replace(settings, operator=dataclasses.replace(
        settings.operator, mediator_url="https://www.cm2c.net"))
    async with AsyncTestClient(app=create_app(configured, backend)) as client:
        page = (await client.get("/legal/other-information")).text
    assert 'href="https://www.cm2c.net"' in page and "placeholder" not in section(page, "disputes")


async def test_the_platform_describes_the_trade_in_service_with_its_commission(client: AsyncTestClient) -> None:
    # Trade-in now runs: the page describes it, with the configured commission (0 % by default).
    html = (await client.get("/legal/other-information")).text
    text = section(html, "platform")
    assert "sell a used device to one of these refurbishers" in text
    assert "commission of 0 % on what they pay for each device" in text.replace("\N{NO-BREAK SPACE}", " ")
    assert 'href="/legal/trade-in">trade-in conditions</a>' in html
