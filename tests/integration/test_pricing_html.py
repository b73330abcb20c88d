"""The markup of a reduction (product page, featured and other offers) and of the price-to-win partial is valid
HTML by the W3C Nu checker. The store's crawl (test_valid_html.py) reaches a few product pages only, and the
partial lives in the seller portal, so both are validated here on arranged data."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from litestar.testing import AsyncTestClient

from storefront.sellers import listings
from storefront.sellers.price_to_win import FeaturedStatus, featured_status
from tests.integration.test_listings import fields, variant_of
from tests.integration.test_price_to_win import two_sellers
from tests.integration.test_prior_price import offer_with_history
from tests.integration.test_valid_html import nu_checker  # noqa: F401  (a fixture)

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Price to win</title></head>
<body><main>{}</main></body></html>"""


def nu_errors(checker: list[str], tmp_path: Path, pages: dict[str, str]) -> list[str]:
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    done = subprocess.run([*checker, *(str(tmp_path / f"{name}.html") for name in pages)], capture_output=True,
                          text=True, timeout=300)
    messages = json.loads(done.stderr or "{}").get("messages", [])
    return [f"{m.get('url', '').rsplit('/', 1)[-1]} line {m.get('lastLine')}: {m.get('message')}"
            for m in messages if m.get("type") in ("error", "non-document-error")]


async def test_reductions_and_the_price_to_win_partial_are_valid_html(client: AsyncTestClient, tmp_path: Path,
                                                                      nu_checker: list[str]) -> None:  # noqa: F811
    shop, _ = await offer_with_history([(41, 30_000), (1, 27_000)])
    variant = await variant_of(shop)
    await listings.apply_offers(shop.seller_id, [fields(variant, sku="W-GOOD-2", grade="good", price_cents=25_000)])
    product = (await client.get(f"/p/{shop.slug}")).text
    assert product.count('class="reduction"') == 1 and "−10 %" in product

    a, mine, _ = await two_sellers(client)
    template = client.app.template_engine.get_template("partials/price_to_win.html")  # type: ignore[union-attr]
    statuses = await featured_status(a.seller_id, [mine])
    partials = [template.render(status=statuses[mine], offer={"id": mine, "sku": "A-EX", "price_cents": 12_900})]
    partials.append(template.render(status=FeaturedStatus(
        featured=True, grade="good", price_cents=100, price_to_win_cents=None, featured_price_cents=100,
        featured_total_cents=100), offer={"id": 7, "sku": "B", "price_cents": 100}))
    partials.append(template.render(status=FeaturedStatus(
        featured=False, grade="good", price_cents=100, price_to_win_cents=None, featured_price_cents=90,
        featured_total_cents=90, on_sale=False, not_on_sale_reason="Not on sale: out of stock."),
        offer={"id": 8, "sku": "C", "price_cents": 100}))
    assert nu_errors(nu_checker, tmp_path, {"product": product, "price-to-win": PAGE.format("".join(partials))}) == []
