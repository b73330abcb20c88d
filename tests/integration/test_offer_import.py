"""A seller's offers by CSV file, through HTTP: the export, the upload and its refusals, the preview, applying
it all or nothing, and a large file going through the `offer-imports` job with its progress.

Each test makes its own seller (referenced, with its own offers on demo catalogue variants made through the
listing service) and signs its user in on the test client.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import uuid
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from storefront.catalog.tables import ProductModel, Variant
from storefront.sellers import listings
from storefront.sellers.listings import OFFER_COLUMNS, OfferFields
from storefront.sellers.offer_csv import read_upload
from storefront.sellers.offer_import import (
    apply_import,
    check_import,
    expire_previews,
    request_apply,
    run_pending_imports,
    start_import,
)
from storefront.sellers.tables import Offer, OfferImport, Seller
from tests.integration.commerce import csrf_from, make_account, sign_in
from tests.integration.test_valid_html import VNU

HEADER = ",".join(OFFER_COLUMNS)
JOB_PAGE = re.compile(r"^/seller/offers/import/(\d+)$")


@dataclass
class Portal:
    seller_id: int
    variants: list[int]
    client: AsyncTestClient


async def catalogue_variants(count: int) -> list[int]:
    rows = await Variant.select(Variant.id).where(Variant.model._.is_dereferenced.eq(False)).order_by(
        Variant.id).limit(count)
    return [row["id"] for row in rows]


async def new_seller() -> tuple[int, int]:
    tag = uuid.uuid4().hex[:8]
    seller = Seller(name=f"Bulk {tag}", slug=f"bulk-{tag}", legal_name=f"Bulk {tag} SAS", status="referenced",
                    self_certified=True, joined_at=dt.datetime.now(dt.UTC))
    await seller.save()
    account = await make_account(role="seller", seller_id=seller.id, name=f"Bulk {tag} owner")
    return seller.id, account["id"]


def offer(variant_id: int, sku: str, **changes: object) -> OfferFields:
    values = dict(sku=sku, variant_id=variant_id, grade="excellent", price_cents=24_900, stock=3, shipping_cents=0,
                  delivery_days=2, warranty_months=12, battery_health_pct=90, new_battery=False,
                  payment_means=("card",), condition_note="Light marks on the frame.")
    values.update(changes)
    return OfferFields(**values)  # type: ignore[arg-type]


@pytest.fixture
async def portal(client: AsyncTestClient) -> Portal:
    """A referenced seller with two offers (SKU A-1 at €249.00, 3 in stock; A-2 at €199.00, 5 in stock),
    its user signed in; the client does not follow redirects."""
    seller_id, account_id = await new_seller()
    variants = await catalogue_variants(3)
    await listings.create_offer(seller_id, offer(variants[0], "A-1"))
    await listings.create_offer(seller_id, offer(variants[1], "A-2", price_cents=19_900, stock=5))
    await sign_in(client, account_id)
    client.follow_redirects = False
    return Portal(seller_id, variants, client)


def row(variant_id: int, sku: str, price: str = "249.00", stock: str = "3", note: str = "Light marks on the frame.",
        grade: str = "excellent") -> str:
    return f'{sku},{variant_id},{grade},{price},{stock},0.00,2,12,90,no,card,"{note}"'


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


async def upload(client: AsyncTestClient, data: bytes, name: str = "offers.csv"):
    token = csrf_from((await client.get("/seller/offers/import")).text)
    return await client.post("/seller/offers/import", data={"_csrf": token},
                             files={"file": (name, data, "text/csv")})


async def uploaded(client: AsyncTestClient, data: bytes) -> tuple[int, str]:
    """Uploads a small file: its import's id and its preview page."""
    response = await upload(client, data)
    assert response.status_code == 303, response.text
    match = JOB_PAGE.match(response.headers["location"])
    assert match
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    return int(match.group(1)), unescape(page.text)


def counts(page: str) -> tuple[int, int, int, int]:
    found = dict(re.findall(r"<dt>(To create|To change|Unchanged|Rejected rows)</dt><dd>([\d,]+)</dd>", page))
    return tuple(int(found[name].replace(",", "")) for name in ("To create", "To change", "Unchanged",
                                                                "Rejected rows"))  # type: ignore[return-value]


async def apply(client: AsyncTestClient, import_id: int):
    page = (await client.get(f"/seller/offers/import/{import_id}")).text
    return await client.post(f"/seller/offers/import/{import_id}/apply", data={"_csrf": csrf_from(page)})


async def offers_of(seller_id: int) -> dict[str, tuple[int, int]]:
    rows = await Offer.select(Offer.sku, Offer.price_cents, Offer.stock).where(Offer.seller == seller_id)
    return {r["sku"]: (r["price_cents"], r["stock"]) for r in rows}


def rejected_cells(page: str) -> list[tuple[str, str, str, str]]:
    body = page.split('id="rejected-title"', 1)[1].split("</table>", 1)[0]
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells)  # type: ignore[misc]
            for cells in re.findall(r'<tr><td class="num[^"]*">(\d+)</td><td>(.*?)</td><td[^>]*>(.*?)</td>'
                                    r'<td[^>]*>(.*?)</td></tr>', body)]


async def test_the_export_reimported_as_it_is_changes_nothing(portal: Portal) -> None:
    await listings.create_offer(portal.seller_id, offer(portal.variants[2], "A-3", condition_note="=1+1 dent"))
    export = await portal.client.get("/seller/offers/export.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"].startswith('attachment; filename="offers-')
    assert export.content.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b",product,ean,status\r\n")
    text = export.content.decode("utf-8-sig")
    assert f'A-2,{portal.variants[1]},excellent,199.00,5,0.00,2,12,90,no,card,Light marks on the frame.,' in text
    assert ",'=1+1 dent," in text  # a note that starts like a formula is written as text
    import_id, page = await uploaded(portal.client, export.content)
    assert counts(page) == (0, 0, 3, 0)
    assert "Ignored columns (not offer fields): product, ean, status." in page
    assert "nothing to apply" in page
    assert (await apply(portal.client, import_id)).status_code == 400


async def test_a_file_creates_changes_and_leaves_offers_once_applied(portal: Portal) -> None:
    v = portal.variants
    import_id, page = await uploaded(portal.client, csv_file(
        row(v[0], "A-1"), row(v[1], "A-2", price="189.00", stock="5"), row(v[2], "A-3", price="99.50")))
    assert counts(page) == (1, 1, 1, 0)
    assert "<code>price</code>: 199.00 → 189.00" in page
    assert "€99.50" in page
    assert await offers_of(portal.seller_id) == {"A-1": (24_900, 3), "A-2": (19_900, 5)}  # a preview changes nothing
    applied = await apply(portal.client, import_id)
    assert (applied.status_code, applied.headers["location"]) == (303, f"/seller/offers/import/{import_id}")
    done = unescape((await portal.client.get(f"/seller/offers/import/{import_id}")).text)
    assert "Done: 1 created, 1 changed, 1 left as they were." in done
    assert await offers_of(portal.seller_id) == {"A-1": (24_900, 3), "A-2": (18_900, 5), "A-3": (9_950, 3)}
    assert (await apply(portal.client, import_id)).status_code == 400  # applied once only


async def test_rejected_rows_name_their_line_column_and_reason_and_change_nothing(portal: Portal) -> None:
    v = portal.variants
    import_id, page = await uploaded(portal.client, csv_file(
        row(v[0], "A-1", price="12"),  # line 2: fine, a change
        row(v[1], "A-2", price="cheap", stock="-1"),  # line 3
        "",  # line 4, blank: skipped
        row(v[2], "A-2"),  # line 5: the SKU again
        row(99_999_999, "A-4"),  # line 6
        row(v[2], "A-5", grade="mint")))  # line 7
    assert counts(page) == (0, 1, 0, 4)
    assert rejected_cells(page) == [
        ("3", "price", "cheap", "Enter the price in euros, VAT included, like 249.00."),
        ("3", "stock", "-1", "Enter how many you have ready to ship: a whole number, 0 to 9,999."),
        ("5", "sku", "A-2", "This SKU is already on line 3: each offer needs its own."),
        ("6", "variant_id", "99999999", "This product is not in our catalogue. Find it by name or EAN, or request "
                                        "it from the catalogue team."),
        ("7", "grade", "mint", "Choose a grade: Premium, Excellent, Good, Fair."),
    ]
    assert "4 rows were rejected, so this file changes nothing." in page
    assert "Preview ready, 4 rejected" in (await portal.client.get("/seller/offers/import")).text
    assert f"/seller/offers/import/{import_id}/apply" not in page
    assert (await apply(portal.client, import_id)).status_code == 400
    assert await offers_of(portal.seller_id) == {"A-1": (24_900, 3), "A-2": (19_900, 5)}


async def test_the_corrected_file_uploaded_again_is_applied(portal: Portal) -> None:
    v = portal.variants
    _, page = await uploaded(portal.client, csv_file(row(v[1], "A-2", price="cheap")))
    assert counts(page) == (0, 0, 0, 1)
    import_id, page = await uploaded(portal.client, csv_file(row(v[1], "A-2", price="179", stock="5")))
    assert counts(page) == (0, 1, 0, 0)
    assert (await apply(portal.client, import_id)).status_code == 303
    assert (await offers_of(portal.seller_id))["A-2"] == (17_900, 5)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
async def test_a_file_not_in_utf8_is_refused_with_the_way_to_save_it(portal: Portal, encoding: str) -> None:
    text = csv_file(row(portal.variants[0], "A-1", note="Écran légèrement rayé")).decode()
    response = await upload(portal.client, text.encode(encoding))
    assert response.status_code == 400
    assert "The file is not UTF-8 text: in Excel use Save As &gt; CSV UTF-8." in response.text
    assert await OfferImport.count().where(OfferImport.seller == portal.seller_id) == 0


async def test_a_missing_column_is_named(portal: Portal) -> None:
    header = HEADER.replace(",battery_health_pct", "").replace(",grade", "")
    response = await upload(portal.client, csv_file("A-1,1,249.00,3,0,2,12,no,card,ok", header=header))
    assert response.status_code == 400
    assert "The header line (line 1) is missing the columns grade, battery_health_pct." in unescape(response.text)


async def test_a_file_over_the_size_limit_is_refused_before_it_is_read(portal: Portal) -> None:
    big = csv_file(*[row(portal.variants[0], f"S-{n}") for n in range(3)]) + b" " * (20 * 1024 * 1024)
    response = await upload(portal.client, big)
    assert (response.status_code, response.headers["location"]) == (303, "/seller/offers/import?refused=too-large")
    form = await portal.client.get(response.headers["location"])
    assert "The file is larger than 10 MB: split it into smaller files" in form.text
    assert await OfferImport.count().where(OfferImport.seller == portal.seller_id) == 0


async def test_a_formula_cell_is_refused_with_its_line_and_column(portal: Portal) -> None:
    v = portal.variants
    _, page = await uploaded(portal.client, csv_file(
        row(v[0], "A-1", note='=HYPERLINK(""http://evil.example"",""click"")'), row(v[1], "A-2", price="@SUM(1)"),
        row(v[2], "A-5", price="12"), row(v[2], "A-6", note="-small dent")))
    assert counts(page) == (1, 0, 0, 3)
    assert [cell[:2] for cell in rejected_cells(page)] == [("2", "condition_note"), ("3", "price"),
                                                           ("5", "condition_note")]
    assert "Formulas are not imported: type the value itself" in page
    assert "This cell starts with @, which a spreadsheet takes for a formula" in page
    assert "This cell starts with -, which a spreadsheet takes for a formula: type the value itself, or put" in page
    assert await offers_of(portal.seller_id) == {"A-1": (24_900, 3), "A-2": (19_900, 5)}


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."), (b"\xef\xbb\xbf\r\n", "The file is empty."),
    (csv_file(), "The file has a header line but no offers below it."),
])
async def test_an_empty_file_is_refused(portal: Portal, data: bytes, message: str) -> None:
    response = await upload(portal.client, data)
    assert response.status_code == 400
    assert message in response.text


async def test_no_file_chosen_is_refused(portal: Portal) -> None:
    token = csrf_from((await portal.client.get("/seller/offers/import")).text)
    response = await portal.client.post("/seller/offers/import", data={"_csrf": token},
                                        files={"other": ("x.txt", b"x", "text/plain")})
    assert response.status_code == 400
    assert "Choose the CSV file of your offers to upload." in response.text


async def test_semicolons_and_decimal_commas_are_read(portal: Portal) -> None:
    v = portal.variants
    lines = [HEADER.replace(",", ";"), f'A-2;{v[1]};excellent;"189,90";5;0;2;12;90;no;card,paypal;Light marks.']
    import_id, page = await uploaded(portal.client, ("\n".join(lines) + "\n").encode())
    assert counts(page) == (0, 1, 0, 0)
    assert (await apply(portal.client, import_id)).status_code == 303
    assert (await offers_of(portal.seller_id))["A-2"] == (18_990, 5)


async def test_another_seller_cannot_see_or_apply_an_import(portal: Portal) -> None:
    import_id, _ = await uploaded(portal.client, csv_file(row(portal.variants[2], "A-3")))
    token = csrf_from((await portal.client.get("/seller/offers/import")).text)
    _, other_account = await new_seller()
    await sign_in(portal.client, other_account)
    assert (await portal.client.get(f"/seller/offers/import/{import_id}")).status_code == 404
    token = csrf_from((await portal.client.get("/seller/offers/import")).text)
    response = await portal.client.post(f"/seller/offers/import/{import_id}/apply", data={"_csrf": token})
    assert response.status_code == 404
    assert "A-3" not in await offers_of(portal.seller_id)


async def wait_for(client: AsyncTestClient, import_id: int, words: str, seen: list[str]) -> str:
    for _ in range(300):
        page = unescape((await client.get(f"/seller/offers/import/{import_id}",
                                          headers={"HX-Request": "true"})).text)
        seen.append(page)
        if words in page:
            return page
        await asyncio.sleep(0.1)
    raise AssertionError(f"the import never showed {words!r}; it last showed {seen[-1][:400]}")


async def test_a_large_file_is_checked_and_applied_by_the_job_with_its_progress(portal: Portal) -> None:
    variants = await catalogue_variants(40)
    data = csv_file(*[row(variants[n % 40], f"BULK-{n:05d}", price=f"{100 + n % 50}.00") for n in range(1_200)])
    response = await upload(portal.client, data)
    assert response.status_code == 303
    import_id = int(JOB_PAGE.match(response.headers["location"]).group(1))  # type: ignore[union-attr]
    seen: list[str] = []
    page = await wait_for(portal.client, import_id, "<h2 id=\"preview-title\">", seen)
    assert counts(page) == (1_200, 0, 0, 0)
    assert 'data-hx-trigger' not in page  # done: the page stops asking
    job = await OfferImport.select(OfferImport.rows_done, OfferImport.total_rows).where(
        OfferImport.id == import_id).first()
    assert job == {"rows_done": 1_200, "total_rows": 1_200}
    assert (await apply(portal.client, import_id)).status_code == 303
    page = await wait_for(portal.client, import_id, "Done:", seen)
    assert "Done: 1,200 created, 0 changed, 0 left as they were." in page
    assert len(await offers_of(portal.seller_id)) == 1_202


async def test_a_queued_import_page_polls_and_offers_a_refresh_link(portal: Portal) -> None:
    data = csv_file(*[row(portal.variants[0], f"Q-{n}") for n in range(3)])
    import_id = await start_import(portal.seller_id, read_upload(data), "queued.csv")  # no one woke the job
    fragment = await portal.client.get(f"/seller/offers/import/{import_id}", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["vary"]
    assert "<h1>" not in fragment.text
    assert f'data-hx-get="/seller/offers/import/{import_id}" data-hx-trigger="every 1s"' in fragment.text
    assert "Checking your file: 0 of 3 rows (0 %)." in fragment.text
    page = await portal.client.get(f"/seller/offers/import/{import_id}")
    assert f'<a href="/seller/offers/import/{import_id}">Refresh</a>' in page.text


async def test_applying_is_all_or_nothing_when_the_catalogue_changed_since_the_preview(portal: Portal) -> None:
    v = portal.variants
    first_model = (await Variant.select(Variant.model).where(Variant.id == v[0]).first())["model"]
    elsewhere = await Variant.select(Variant.id, Variant.model).where(
        (Variant.model != first_model) & Variant.model._.is_dereferenced.eq(False)).first()
    import_id, page = await uploaded(portal.client, csv_file(row(v[0], "A-1", price="239.00"),
                                                             row(elsewhere["id"], "A-3")))
    assert counts(page) == (1, 1, 0, 0)
    await ProductModel.update({ProductModel.is_dereferenced: True}).where(ProductModel.id == elsewhere["model"])
    assert (await apply(portal.client, import_id)).status_code == 303
    page = unescape((await portal.client.get(f"/seller/offers/import/{import_id}")).text)
    assert ("Nothing was changed. Since the preview: Line 3, variant_id: This product is no longer offered on the "
            "store: it cannot be listed. Correct the file and upload it again.") in page
    assert await offers_of(portal.seller_id) == {"A-1": (24_900, 3), "A-2": (19_900, 5)}


async def test_applying_refuses_a_preview_of_offers_changed_since(portal: Portal) -> None:
    v = portal.variants
    import_id, _ = await uploaded(portal.client, csv_file(row(v[0], "A-1", price="239.00"), row(v[2], "A-3")))
    await listings.update_prices_and_stock(portal.seller_id, [listings.StockPriceChange("A-1", stock=9)])
    assert (await apply(portal.client, import_id)).status_code == 303
    page = unescape((await portal.client.get(f"/seller/offers/import/{import_id}")).text)
    assert "Your offers changed since this preview was made, so it was not applied and nothing changed." in page
    assert await offers_of(portal.seller_id) == {"A-1": (24_900, 9), "A-2": (19_900, 5)}


async def test_the_import_pages_are_valid_html(portal: Portal, tmp_path: Path) -> None:
    v = portal.variants
    import_id, preview = await uploaded(portal.client, csv_file(
        row(v[0], "A-1", price="239"), row(v[2], "A-3"), row(v[1], "A-9", price="=1+1")))
    assert counts(preview) == (1, 1, 0, 1)
    queued = await start_import(portal.seller_id, read_upload(csv_file(row(v[0], "Q-1"))), "queued.csv")
    pages = {"upload": "/seller/offers/import", "preview": f"/seller/offers/import/{import_id}",
             "queued": f"/seller/offers/import/{queued}", "too-large": "/seller/offers/import?refused=too-large"}
    for name, path in pages.items():
        (tmp_path / f"{name}.html").write_text((await portal.client.get(path)).text, encoding="utf-8")
    done = subprocess.run(["java", "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json",
                           *(str(tmp_path / f"{name}.html") for name in pages)], capture_output=True, text=True,
                          timeout=300)
    messages = json.loads(done.stderr or "{}").get("messages", [])
    assert [f"{m.get('url', '').rsplit('/', 1)[-1]} line {m.get('lastLine')}: {m.get('message')}"
            for m in messages] == []


async def test_each_step_of_an_import_is_claimed_once(portal: Portal) -> None:
    import_id = await start_import(portal.seller_id, read_upload(csv_file(row(portal.variants[2], "A-3"))), "x.csv")
    assert sorted(await asyncio.gather(check_import(import_id), check_import(import_id))) == [False, True]
    assert await run_pending_imports() == 0  # checked: nothing waits
    await request_apply(portal.seller_id, import_id)
    assert sorted(await asyncio.gather(apply_import(import_id), apply_import(import_id))) == [False, True]
    assert await run_pending_imports() == 0
    assert "A-3" in await offers_of(portal.seller_id)


async def test_the_job_takes_what_was_queued(portal: Portal) -> None:
    import_id = await start_import(portal.seller_id, read_upload(csv_file(row(portal.variants[2], "A-3"))), "x.csv")
    assert await run_pending_imports() == 1
    await request_apply(portal.seller_id, import_id)
    assert await run_pending_imports() == 1
    state = await OfferImport.select(OfferImport.state).where(OfferImport.id == import_id).first()
    assert state == {"state": "applied"}


async def test_a_preview_left_unapplied_for_a_week_expires(portal: Portal) -> None:
    import_id, _ = await uploaded(portal.client, csv_file(row(portal.variants[2], "A-3")))
    assert await expire_previews(dt.datetime.now(dt.UTC) + dt.timedelta(days=6)) == 0
    assert await expire_previews(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)) == 1
    page = unescape((await portal.client.get(f"/seller/offers/import/{import_id}")).text)
    assert "This preview was not applied within 7 days and has expired; nothing was changed." in page
    assert (await apply(portal.client, import_id)).status_code == 400


async def test_an_upload_without_the_forms_token_is_refused(portal: Portal) -> None:
    response = await portal.client.post("/seller/offers/import", files={"file": ("x.csv", csv_file(), "text/csv")})
    assert response.status_code == 403
    assert await OfferImport.count().where(OfferImport.seller == portal.seller_id) == 0
