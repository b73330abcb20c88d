"""Notices of illegal content through HTTP (DSA Art. 16): anyone reports an offer, a product, a review or a page
without an account, gets a receipt, and is told the decision; the operator rejects a notice or removes the offer,
which then leaves the product page and search and earns its seller a statement of reasons (Art. 17).

Offers and reviews these tests take down are put back when each test ends.
"""
from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import AsyncIterator
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.accounts.tables import Account
from storefront.app import create_app
from storefront.catalog.outbox import mark_for_reindex
from storefront.catalog.tables import Variant
from storefront.mail.tables import OutboxEmail
from storefront.moderation import notices
from storefront.moderation.tables import AuditEntry, Decision, Notice
from storefront.reviews.service import refresh_ratings
from storefront.reviews.tables import Review
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from storefront.strategy import variant_title
from storefront.web import notices as notice_pages
from tests.integration.commerce import csrf_from, make_account, post_form, sign_in

EXPLANATION = "The listing calls this refurbished phone brand new, which misleads buyers under consumer law."


def a_notifier() -> str:
    return f"notifier-{uuid.uuid4().hex[:8]}@example.com"


def details(**overrides: str) -> dict[str, str]:
    return {"category": "consumer_law", "explanation": EXPLANATION, "name": "Jeanne Dupont", "email": a_notifier(),
            "good_faith": "yes", **overrides}


async def send_notice(client: AsyncTestClient, subject: str | None = None, **fields: str):
    """Opens the form as a person would (from a "Report illegal content" link), keeps what it prefilled, sends it."""
    page = (await client.get("/report" + (f"?subject={subject}" if subject else ""))).text
    data = {"_csrf": csrf_from(page), **fields}
    if subject and "subject" not in data:
        data["subject"] = subject
    if "location" not in data:
        prefilled = re.search(r'name="location"[^>]*value="([^"]*)"', page, re.S)
        data["location"] = unescape(prefilled.group(1)) if prefilled else ""
    return await client.post("/report", data=data, follow_redirects=False)


async def mails(kind: str, to: str) -> list[dict]:
    return await OutboxEmail.select().where((OutboxEmail.kind == kind) & (OutboxEmail.to_address == to))


async def as_operator(client: AsyncTestClient) -> dict:
    operator = await make_account(role="operator", name="Olivia Ops")
    await sign_in(client, operator["id"])
    return operator


async def available_offer() -> dict:
    """An offer on sale now, with its variant's slug and title."""
    offer = await Offer.select(*Offer.all_columns(), Offer.variant.slug.as_alias("slug")).where(
        (Offer.status == "active") & (Offer.stock > 0) & (Offer.seller.status == "referenced")).order_by(
        Offer.id).first()
    return offer


async def published_review() -> dict:
    return await Review.select(Review.id, Review.model, Review.seller, Review.variant.slug.as_alias("slug")).where(
        Review.status == "published").order_by(Review.id).first()


@pytest.fixture
async def put_back(prepared_store: Settings, backend) -> AsyncIterator[dict[str, list[int]]]:
    """Offers and reviews a test takes down, put back on sale and published again afterwards."""
    taken: dict[str, list[int]] = {"offers": [], "reviews": []}
    yield taken
    drainer = OutboxDrainer(backend, prepared_store.ranking)
    for offer_id in taken["offers"]:
        offer = await Offer.select(Offer.variant).where(Offer.id == offer_id).first()
        await Offer.update({Offer.status: "active"}).where(Offer.id == offer_id)
        await mark_for_reindex([offer["variant"]])
    for review_id in taken["reviews"]:
        review = await Review.select(Review.model, Review.seller).where(Review.id == review_id).first()
        await Review.update({Review.status: "published"}).where(Review.id == review_id)
        await refresh_ratings(review["model"], review["seller"])
    await drainer.drain()


# --- The public form -----------------------------------------------------------------------------------------

async def test_an_anonymous_notice_on_an_offer_is_stored_and_acknowledged_without_a_session(
        client: AsyncTestClient, settings: Settings) -> None:
    offer = await available_offer()
    seller = await Seller.select(Seller.name).where(Seller.id == offer["seller"]).first()
    form = await client.get(f"/report?subject=offer:{offer['id']}")
    assert form.status_code == 200 and "set-cookie" not in form.headers
    page = unescape(form.text)
    assert f"sold by {seller['name']}" in page
    assert f'value="{settings.public_base_url}/p/{offer["slug"]}#offer-{offer["id"]}"' in page

    email = a_notifier()
    answer = await send_notice(client, f"offer:{offer['id']}", **details(email=email))
    assert answer.status_code == 303 and answer.headers["location"] == "/report/sent"
    assert "set-cookie" not in answer.headers and not client.cookies
    thanks = await client.get("/report/sent")
    assert "we received your notice" in thanks.text and email not in thanks.text

    rows = await Notice.select().where(Notice.email == email)
    assert [(r["subject_type"], r["subject_id"], r["category"], r["reporter_account"], r["good_faith"], r["status"])
            for r in rows] == [("offer", offer["id"], "consumer_law", None, True, "open")]
    assert rows[0]["location"] == f"{settings.public_base_url}/p/{offer['slug']}#offer-{offer['id']}"
    receipt = await mails("notice_received", email)
    assert len(receipt) == 1 and seller["name"] in receipt[0]["body"] and EXPLANATION in receipt[0]["body"]
    assert await AuditEntry.count().where((AuditEntry.action == "notice received")
                                          & (AuditEntry.subject_type == "offer")
                                          & (AuditEntry.subject_id == offer["id"])) >= 1


async def test_a_notice_on_a_product_names_the_product(client: AsyncTestClient) -> None:
    offer = await available_offer()
    variant = await Variant.select(Variant.model, Variant.model.name.as_alias("name")).where(
        Variant.id == offer["variant"]).first()
    page = (await client.get(f"/report?subject=product:{variant['model']}")).text
    assert variant["name"] in page
    email = a_notifier()
    assert (await send_notice(client, f"product:{variant['model']}",
                              **details(email=email, category="unsafe"))).status_code == 303
    row = await Notice.select().where(Notice.email == email).first()
    assert (row["subject_type"], row["subject_id"], row["category"]) == ("product", variant["model"], "unsafe")


async def test_a_notice_on_a_review_points_at_the_review(client: AsyncTestClient, settings: Settings) -> None:
    review = await published_review()
    email = a_notifier()
    answer = await send_notice(client, f"review:{review['id']}", **details(email=email, category="hate_speech"))
    assert answer.status_code == 303
    row = await Notice.select().where(Notice.email == email).first()
    assert (row["subject_type"], row["subject_id"]) == ("review", review["id"])
    assert row["location"] == f"{settings.public_base_url}/p/{review['slug']}#review-{review['id']}"


async def test_without_a_subject_the_notifier_gives_the_url(client: AsyncTestClient) -> None:
    email = a_notifier()
    missing = await send_notice(client, **details(email=email))
    assert missing.status_code == 400 and 'id="f-location-error"' in missing.text
    answer = await send_notice(client, **details(email=email, location="https://encore.example/p/some-phone"))
    assert answer.status_code == 303
    row = await Notice.select().where(Notice.email == email).first()
    assert (row["subject_type"], row["subject_id"], row["location"]) == (
        "url", None, "https://encore.example/p/some-phone")


@pytest.mark.parametrize("subject", ["offer:999999999", "review:999999999", "product:999999999", "seller:1",
                                     "offer:abc", "offer:"])
async def test_an_unknown_subject_shows_the_form_without_one(client: AsyncTestClient, subject: str) -> None:
    answer = await client.get(f"/report?subject={subject}")
    assert answer.status_code == 200
    assert 'name="subject"' not in answer.text and 'id="f-location"' in answer.text


async def test_a_removed_offer_is_no_longer_a_subject(client: AsyncTestClient, put_back: dict) -> None:
    offer = await available_offer()
    await Offer.update({Offer.status: "removed"}).where(Offer.id == offer["id"])
    put_back["offers"].append(offer["id"])
    answer = await client.get(f"/report?subject=offer:{offer['id']}")
    assert answer.status_code == 200 and 'name="subject"' not in answer.text


async def test_field_errors_are_shown_next_to_each_field_and_the_input_is_kept(client: AsyncTestClient) -> None:
    offer = await available_offer()
    answer = await send_notice(client, f"offer:{offer['id']}", category="", explanation="Fake.", name="Jeanne Dupont",
                               email="not-an-address", good_faith="yes")
    assert answer.status_code == 400
    page = unescape(answer.text)
    for field in ("category", "explanation", "email"):
        assert f'id="f-{field}-error"' in page
    assert 'id="f-name-error"' not in page and 'id="f-good_faith-error"' not in page
    assert ">Fake.</textarea>" in page and 'value="Jeanne Dupont"' in page and 'value="not-an-address"' in page
    assert f'name="subject" value="offer:{offer["id"]}"' in page  # still about the same offer
    assert await Notice.count().where(Notice.email == "not-an-address") == 0


async def test_the_good_faith_statement_is_required(client: AsyncTestClient) -> None:
    offer = await available_offer()
    fields = details()
    del fields["good_faith"]
    answer = await send_notice(client, f"offer:{offer['id']}", **fields)
    assert answer.status_code == 400
    assert 'id="f-good_faith-error"' in answer.text
    assert "in good faith that the information in this notice is accurate and complete" in answer.text
    assert await Notice.count().where(Notice.email == fields["email"]) == 0


async def test_a_signed_in_notifier_finds_name_and_email_filled_in(client: AsyncTestClient) -> None:
    shopper = await make_account(name="Paul Leroy")
    await sign_in(client, shopper["id"])
    page = (await client.get("/report")).text
    assert 'value="Paul Leroy"' in page and f'value="{shopper["email"]}"' in page
    assert (await send_notice(client, **details(email=shopper["email"], location="https://encore.example/x"))
            ).status_code == 303
    row = await Notice.select().where(Notice.email == shopper["email"]).first()
    assert row["reporter_account"] == shopper["id"]


async def test_after_the_hourly_limit_per_address_the_notice_gets_429(client: AsyncTestClient) -> None:
    email = a_notifier()
    offer = await available_offer()
    for _ in range(notices.NOTICES_PER_HOUR):
        assert (await send_notice(client, f"offer:{offer['id']}", **details(email=email))).status_code == 303
    refused = await send_notice(client, f"offer:{offer['id']}", **details(email=email))
    assert refused.status_code == 429 and "try again in an hour" in refused.text
    assert await Notice.count().where(Notice.email == email) == notices.NOTICES_PER_HOUR


async def test_one_connection_cannot_flood_the_queue(prepared_store: Settings, backend,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notice_pages, "NOTICES_PER_ADDRESS_HOUR", 2)
    emails = [a_notifier() for _ in range(3)]
    async with AsyncTestClient(app=create_app(prepared_store, backend)) as client:
        for email in emails[:2]:
            assert (await send_notice(client, **details(email=email, location="https://encore.example/a"))
                    ).status_code == 303
        refused = await send_notice(client, **details(email=emails[2], location="https://encore.example/a"))
    assert refused.status_code == 429 and "try again in an hour" in refused.text
    assert await Notice.count().where(Notice.email == emails[2]) == 0


async def test_the_product_page_links_every_offer_review_and_the_product_to_the_form(
        client: AsyncTestClient) -> None:
    review = await published_review()
    page = (await client.get(f"/p/{review['slug']}")).text
    offer_ids = set(re.findall(r'id="offer-(\d+)"', page))
    review_ids = set(re.findall(r'id="review-(\d+)"', page))
    # Other tests add reviews, which may push this one to a later page: check every review the page shows.
    assert offer_ids and review_ids
    for offer_id in offer_ids:
        assert f'href="/report?subject=offer:{offer_id}" rel="nofollow"' in page
    for review_id in review_ids:
        assert f'href="/report?subject=review:{review_id}" rel="nofollow"' in page
        assert f'href="/reviews/{review_id}/report" rel="nofollow"' in page  # the reviews-policy report stays
    assert page.count(f'href="/report?subject=product:{review["model"]}" rel="nofollow"') == 1


# --- The operator's queue ------------------------------------------------------------------------------------

async def test_the_notice_pages_are_for_operators_only(client: AsyncTestClient) -> None:
    email = a_notifier()
    await send_notice(client, **details(email=email, location="https://encore.example/a"))
    notice = await Notice.select(Notice.id).where(Notice.email == email).first()
    for path in ("/ops/notices", f"/ops/notices/{notice['id']}"):
        anonymous = await client.get(path, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == f"/login?next={path}"
    shopper = await make_account()
    await sign_in(client, shopper["id"])
    assert (await client.get("/ops/notices")).status_code == 403
    assert (await client.get(f"/ops/notices/{notice['id']}")).status_code == 403
    refused = await client.post(f"/ops/notices/{notice['id']}/reject", follow_redirects=False, data={
        "_csrf": csrf_from((await client.get("/report")).text), "reason": "Nothing illegal in it at all."})
    assert refused.status_code == 403
    assert (await Notice.select(Notice.status).where(Notice.id == notice["id"]).first())["status"] == "open"


async def test_the_queue_lists_open_notices_oldest_first(client: AsyncTestClient) -> None:
    offer = await available_offer()
    first, second = a_notifier(), a_notifier()
    await send_notice(client, f"offer:{offer['id']}", **details(email=first))
    await send_notice(client, **details(email=second, location="https://encore.example/b"))
    ids = [(await Notice.select(Notice.id).where(Notice.email == e).first())["id"] for e in (first, second)]
    await as_operator(client)
    queue = unescape((await client.get("/ops/notices")).text)
    assert queue.index(f'href="/ops/notices/{ids[0]}"') < queue.index(f'href="/ops/notices/{ids[1]}"')
    assert notices.CATEGORIES["consumer_law"] in queue
    assert f"{await Notice.count().where(Notice.status == 'handled')} notice" in queue


async def test_rejecting_a_notice_tells_the_notifier_why(client: AsyncTestClient) -> None:
    review = await published_review()
    email = a_notifier()
    await send_notice(client, f"review:{review['id']}", **details(email=email, category="hate_speech"))
    notice = await Notice.select().where(Notice.email == email).first()
    operator = await as_operator(client)
    page = f"/ops/notices/{notice['id']}"
    case = (await client.get(page)).text
    assert f'href="/ops/reviews/{review["id"]}"' in case

    too_short = await post_form(client, page, f"{page}/reject", {"reason": "No."}, follow_redirects=False)
    assert too_short.status_code == 400
    assert 'id="f-reason-error"' in too_short.text and ">No.</textarea>" in too_short.text

    reason = "The review praises the phone; nothing in it is hateful or otherwise illegal."
    answer = await post_form(client, page, f"{page}/reject", {"reason": reason}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"{page}?done=rejected"
    row = await Notice.select().where(Notice.id == notice["id"]).first()
    assert row["status"] == "handled" and row["handled_by"] == operator["id"] and reason in row["outcome"]
    told = await mails("notice_decision", email)
    assert len(told) == 1 and reason in told[0]["body"] and "not illegal" in told[0]["body"]
    decision = await Decision.select().where((Decision.subject_type == "notice")
                                             & (Decision.subject_id == notice["id"])).first()
    assert decision["measure"] == "notice rejected" and decision["decided_by"] == operator["id"]
    assert (await Review.select(Review.status).where(Review.id == review["id"]).first())["status"] == "published"
    again = await post_form(client, page, f"{page}/reject", {"reason": reason}, follow_redirects=False)
    assert again.status_code == 400 and len(await mails("notice_decision", email)) == 1


async def test_removing_an_offer_takes_it_off_the_shop_and_tells_everyone(
        client: AsyncTestClient, settings: Settings, put_back: dict) -> None:
    # An offer that is the only one of its grade for its variant: a grade-filtered search finds the variant
    # through that offer alone.
    rows = await Offer.select(Offer.id, Offer.variant, Offer.grade).where(
        (Offer.status == "active") & (Offer.stock > 0) & (Offer.seller.status == "referenced")).order_by(Offer.id)
    per_grade: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        per_grade.setdefault((row["variant"], row["grade"]), []).append(row["id"])
    (variant_id, grade), (offer_id,) = next((key, ids) for key, ids in per_grade.items() if len(ids) == 1)
    variant = await Variant.select(Variant.slug, Variant.storage_gb, Variant.color,
                                   Variant.model.name.as_alias("model"),
                                   Variant.model.brand.name.as_alias("brand")).where(Variant.id == variant_id).first()
    offer = await Offer.select(Offer.seller, Offer.seller.email.as_alias("seller_email")).where(
        Offer.id == offer_id).first()
    search = f"/search?q={variant_title(variant['brand'], variant['model'], variant['storage_gb'], variant['color'])}"
    card = f'href="/p/{variant["slug"]}"'
    assert card in (await client.get(f"{search}&grade={grade}")).text
    assert f"subject=offer:{offer_id}" in (await client.get(f"/p/{variant['slug']}")).text

    notifiers = [a_notifier(), a_notifier()]
    for email in notifiers:
        await send_notice(client, f"offer:{offer_id}", **details(email=email, category="counterfeit"))
    notice, other = [await Notice.select().where(Notice.email == email).first() for email in notifiers]
    await as_operator(client)
    page = f"/ops/notices/{notice['id']}"
    case = (await client.get(page)).text
    assert f'href="/ops/sellers/{offer["seller"]}"' in case and f'href="/ops/notices/{other["id"]}"' in case

    refused = await post_form(client, page, f"{page}/remove-offer", {"ground": "", "facts": "Fake"},
                              follow_redirects=False)
    assert refused.status_code == 400 and 'id="f-ground-error"' in refused.text and 'id="f-facts-error"' in refused.text
    assert (await Offer.select(Offer.status).where(Offer.id == offer_id).first())["status"] == "active"

    facts = "The offer sells a copy bearing the maker's trade mark without its consent."
    answer = await post_form(client, page, f"{page}/remove-offer", {"ground": "counterfeit", "facts": facts},
                             follow_redirects=False)
    put_back["offers"].append(offer_id)
    assert answer.status_code == 303 and answer.headers["location"] == f"{page}?done=offer_removed"

    assert f"subject=offer:{offer_id}" not in (await client.get(f"/p/{variant['slug']}")).text
    assert card not in (await client.get(f"{search}&grade={grade}")).text
    statement = await mails("statement_of_reasons", offer["seller_email"])
    assert statement and facts in statement[-1]["body"] and "offer removed" in statement[-1]["body"]
    first_user = await Account.select(Account.id).where(Account.seller == offer["seller"]).order_by(Account.id).first()
    decision = await Decision.select().where((Decision.subject_type == "offer") & (Decision.subject_id == offer_id)
                                             ).order_by(Decision.id, ascending=False).first()
    assert decision["recipient_account"] == (first_user["id"] if first_user else None)
    assert await Notice.count().where((Notice.subject_type == "offer") & (Notice.subject_id == offer_id)
                                      & (Notice.status == "open")) == 0
    for email in notifiers:
        told = await mails("notice_decision", email)
        assert len(told) == 1 and "We removed the offer" in told[0]["body"]


async def test_removing_a_review_in_the_console_closes_the_notices_on_it(client: AsyncTestClient,
                                                                          put_back: dict) -> None:
    review = await published_review()
    email = a_notifier()
    await send_notice(client, f"review:{review['id']}", **details(email=email, category="privacy"))
    await as_operator(client)
    page = f"/ops/reviews/{review['id']}"
    answer = await post_form(client, page, f"{page}/remove", {"ground": "personal_data",
                                                              "facts": "It gives the courier's phone number."},
                             follow_redirects=False)
    put_back["reviews"].append(review["id"])
    assert answer.status_code == 303
    notice = await Notice.select().where(Notice.email == email).first()
    assert notice["status"] == "handled" and "removed the review" in notice["outcome"]
    told = await mails("notice_decision", email)
    assert len(told) == 1 and "We removed the review" in told[0]["body"]


async def test_keeping_a_review_in_the_console_closes_the_notices_on_it(client: AsyncTestClient) -> None:
    review = await published_review()
    email = a_notifier()
    await send_notice(client, f"review:{review['id']}", **details(email=email, category="hate_speech"))
    await as_operator(client)
    page = f"/ops/reviews/{review['id']}"
    assert (await post_form(client, page, f"{page}/keep", {"note": ""}, follow_redirects=False)).status_code == 303
    notice = await Notice.select().where(Notice.email == email).first()
    assert notice["status"] == "handled" and "stays published" in notice["outcome"]
    assert len(await mails("notice_decision", email)) == 1


async def test_a_changed_public_address_is_used_for_the_location(prepared_store: Settings, backend) -> None:
    settings = dataclasses.replace(prepared_store, public_base_url="https://shop.encore.example")
    offer = await available_offer()
    async with AsyncTestClient(app=create_app(settings, backend)) as client:
        page = (await client.get(f"/report?subject=offer:{offer['id']}")).text
    assert f'value="https://shop.encore.example/p/{offer["slug"]}#offer-{offer["id"]}"' in page
