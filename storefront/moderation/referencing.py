"""Referencing, dereferencing and reinstating sellers and products: the operator's measures on the catalogue.

A seller is listed only once referenced, which needs complete trader traceability (DSA Art. 30). It can be
terminated for convenience, with notice (P2B Regulation Art. 4(1): it stays listed until the notice ends), or
dereferenced at once for a breach of the law, the sales conditions or the quality charter. A product is
dereferenced for what it is, not for who sells it. Every measure that restricts someone records a decision
whose statement of reasons goes to the seller (DSA Art. 17) and can be contested for six months (Art. 20).
Search follows through the outbox: the variants touched are enqueued in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storefront.accounts.tables import Account
from storefront.catalog.outbox import mark_for_reindex, mark_model_for_reindex, mark_seller_for_reindex
from storefront.catalog.tables import ProductModel
from storefront.db import write_transaction
from storefront.errors import NotFound, Refused
from storefront.mail import outbox
from storefront.moderation.decisions import audit, decide
from storefront.moderation.notices import close_notices
from storefront.moderation.states import Ground, Measure
from storefront.moderation.tables import AuditEntry, Decision
from storefront.sellers.availability import buyable_offer_clause
from storefront.sellers.tables import Offer, Seller
from storefront.settings import QualityCharter, Settings
from storefront.units import measured_percent, percent, stars_out_of_five

# Grounds for dereferencing a seller without notice. Termination for convenience has no ground to give.
BREACH_GROUNDS = {
    "law": "Breach of the law in force",
    "sales_conditions": "Breach of the general sales conditions",
    "quality_charter": "Breach of the quality charter",
}
# Grounds for dereferencing a product, whoever sells it.
PRODUCT_GROUNDS = {
    "prohibited": "Its sale is prohibited or unlawful",
    "dangerous": "It endangers health, safety or the environment",
    "not_refurbished": "It has not been refurbished and repackaged",
    "no_referenced_seller": "Only dereferenced sellers offer it",
}
TRACEABILITY = {
    "legal_name": "company name",
    "address": "address",
    "phone": "phone number",
    "email": "e-mail address",
    "trade_register_number": "trade register number",
    "representative_name": "legal representative",
    "id_document": "representative's identity document",
    "payment_account": "payment account",
}
FACTS_MIN, FACTS_MAX = 10, 2_000
# The measures a reversed complaint undoes here.
REVERSIBLE = {Measure.seller_dereferenced, Measure.contract_terminated, Measure.product_dereferenced,
              Measure.offer_removed}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def traceability_gaps(seller: dict) -> list[str]:
    """What the seller still has to give before it may be referenced."""
    gaps = [label for column, label in TRACEABILITY.items() if not str(seller.get(column) or "").strip()]
    if not seller.get("self_certified"):
        gaps.append("self-certification that it offers only compliant products")
    return gaps


@dataclass(frozen=True)
class CharterCheck:
    label: str
    figure: str
    limit: str
    breached: bool


def charter_checks(seller: dict, charter: QualityCharter) -> list[CharterCheck]:
    """The seller's figures next to the quality charter's limits; a missing figure breaches nothing."""
    checks = []
    for column, limit, label in (
        ("defect_rate_bp", charter.max_defect_rate_bp, "Defective products"),
        ("wrong_item_rate_bp", charter.max_wrong_item_rate_bp, "Wrong product or accessory"),
        ("cosmetic_rate_bp", charter.max_cosmetic_rate_bp, "Poorer condition than sold"),
        ("late_delivery_rate_bp", charter.max_late_delivery_rate_bp, "Late deliveries"),
    ):
        value = seller.get(column)
        checks.append(CharterCheck(label, "no figure yet" if value is None else measured_percent(value),
                                   f"at most {percent(limit)}", value is not None and value > limit))
    rating = seller.get("rating_x100")
    checks.append(CharterCheck(
        "Buyers' rating", "no rating yet" if rating is None else stars_out_of_five(rating),
        f"at least {stars_out_of_five(charter.min_rating_x100)}",
        rating is not None and rating < charter.min_rating_x100))
    return checks


async def seller_account(seller_id: int) -> int | None:
    """The seller's first user account: the one that receives decisions and may contest them."""
    row = await Account.select(Account.id).where(Account.seller == seller_id).order_by(Account.id).first()
    return row["id"] if row else None


async def _seller(seller_id: int) -> dict:
    seller = await Seller.select().where(Seller.id == seller_id).first()
    if seller is None:
        raise NotFound(seller_id)
    return seller


async def _enqueue_seller(seller_id: int) -> None:
    await mark_seller_for_reindex(seller_id)


async def _close_notices_on_offers(seller_id: int, outcome: str, operator_id: int | None, settings: Settings) -> None:
    for offer in await Offer.select(Offer.id).where(Offer.seller == seller_id):
        await close_notices("offer", offer["id"], outcome=outcome, operator_id=operator_id, settings=settings)


def _check_facts(facts: str) -> str:
    facts = facts.replace("\r\n", "\n").strip()
    if len(facts) < FACTS_MIN:
        raise Refused("facts", "Describe the facts in a few words: the seller reads them in the statement "
                                      "of reasons.")
    if len(facts) > FACTS_MAX:
        raise Refused("facts", f"Keep the facts to {FACTS_MAX:,} characters or fewer (they have {len(facts):,}).")
    return facts


async def reference_seller(seller_id: int, *, operator_id: int, settings: Settings) -> None:
    """A pending seller whose traceability is complete goes on sale; its offers enter search at once."""
    seller = await _seller(seller_id)
    if seller["status"] != "pending":
        raise Refused("seller", "Only a pending seller can be referenced; use “Reinstate” for a "
                                       "dereferenced one.")
    gaps = traceability_gaps(seller)
    if gaps:
        raise Refused("seller", "The seller must first give its " + ", ".join(gaps) + ".")
    async with write_transaction(Seller._meta.db):
        await Seller.update({Seller.status: "referenced", Seller.terminates_at: None}).where(Seller.id == seller_id)
        await _enqueue_seller(seller_id)
        await audit(operator_id, "seller referenced", "seller", seller_id, "traceability checked")
        if seller["email"]:
            await outbox.queue(to=seller["email"], kind="seller_referenced",
                               subject=f"{settings.brand_name}: your shop is open",
                               body=f"{seller['name']} is now referenced on {settings.brand_name}: your active "
                                    "offers with stock are on sale from now on.\n")


async def terminate_seller(seller_id: int, *, kind: str, ground: str, facts: str, operator_id: int,
                           settings: Settings, now: dt.datetime | None = None) -> int:
    """Ends the seller's listing. For convenience the notice period runs first and the seller stays on sale
    until `terminates_at`; for a breach its offers leave the store now. Returns the decision's id."""
    seller = await _seller(seller_id)
    if seller["status"] != "referenced":
        raise Refused("kind", "Only a referenced seller can be dereferenced.")
    if kind == "convenience" and seller["terminates_at"] is not None:
        raise Refused("kind", f"Notice was already given: the seller leaves on "
                                     f"{seller['terminates_at']:%d %B %Y}.")
    if kind not in ("convenience", "breach"):
        raise Refused("kind", "Choose termination with notice or dereferencing for a breach.")
    if kind == "breach" and ground not in BREACH_GROUNDS:
        raise Refused("ground", "Choose the rule the seller breached.")
    facts = _check_facts(facts)
    now = now or _now()
    account = await seller_account(seller_id)
    async with write_transaction(Seller._meta.db):
        if kind == "convenience":
            ends = now + dt.timedelta(days=settings.seller_termination_notice_days)
            await Seller.update({Seller.terminates_at: ends}).where(Seller.id == seller_id)
            decision_id = await decide(
                subject_type="seller", subject_id=seller_id,
                measure=Measure.contract_terminated,
                facts=f"{facts}\n\nYour offers stay on sale until {ends:%d %B %Y}; they leave the store that day.",
                ground=Ground.termination_for_convenience,
                ground_detail=f"notice of {settings.seller_termination_notice_days} days",
                recipient_email=seller["email"], recipient_account=account, decided_by=operator_id,
                settings=settings)
        else:
            await Seller.update({Seller.status: "dereferenced", Seller.terminates_at: None}).where(
                Seller.id == seller_id)
            await _enqueue_seller(seller_id)
            decision_id = await decide(
                subject_type="seller", subject_id=seller_id, measure=Measure.seller_dereferenced,
                facts=f"{facts}\n\nYour offers were taken off the store on {now:%d %B %Y}, without notice.",
                ground=Ground.seller_conditions, ground_detail=BREACH_GROUNDS[ground],
                recipient_email=seller["email"], recipient_account=account, decided_by=operator_id,
                settings=settings)
            await _close_notices_on_offers(seller_id, "The seller has been dereferenced: its offers are no "
                                           "longer on sale.", operator_id, settings)
    return decision_id


async def apply_due_terminations(*, now: dt.datetime | None = None) -> int:
    """Takes off the store the sellers whose notice period has ended; returns how many this call took off.
    Safe in two processes at once: the conditional UPDATE takes each seller off for one of them, and only
    that one tells search and writes the audit entry."""
    now = now or _now()
    due = await Seller.select(Seller.id).where(
        (Seller.status == "referenced") & Seller.terminates_at.is_not_null() & (Seller.terminates_at <= now))
    ended = 0
    for row in due:
        async with write_transaction(Seller._meta.db):
            if not await Seller.update({Seller.status: "dereferenced"}).where(
                    (Seller.id == row["id"]) & (Seller.status == "referenced")).returning(Seller.id):
                continue
            await _enqueue_seller(row["id"])
            await audit(None, "notice period ended", "seller", row["id"], "dereferenced at the end of the notice")
            ended += 1
    return ended


async def _list_seller_again(seller_id: int, operator_id: int, detail: str) -> None:
    """Inside the caller's transaction: on sale again, any notice withdrawn, search told, audited."""
    await Seller.update({Seller.status: "referenced", Seller.terminates_at: None}).where(Seller.id == seller_id)
    await _enqueue_seller(seller_id)
    await audit(operator_id, "seller reinstated", "seller", seller_id, detail)


async def reinstate_seller(seller_id: int, *, operator_id: int, note: str, settings: Settings) -> None:
    """Lists a dereferenced seller again, or withdraws a notice of termination that has not yet ended."""
    seller = await _seller(seller_id)
    if seller["status"] != "dereferenced" and seller["terminates_at"] is None:
        raise Refused("note", "This seller is not dereferenced and has no notice running.")
    async with write_transaction(Seller._meta.db):
        await _list_seller_again(seller_id, operator_id, note)
        if seller["email"]:
            await outbox.queue(to=seller["email"], kind="seller_reinstated",
                               subject=f"{settings.brand_name}: your shop is listed again",
                               body=f"{seller['name']} is referenced again on {settings.brand_name}"
                                    + ("; the notice of termination is withdrawn" if seller["terminates_at"] else "")
                                    + ".\n" + (f"\n{note}\n" if note else ""))


async def _product(model_id: int) -> dict:
    model = await ProductModel.select().where(ProductModel.id == model_id).first()
    if model is None:
        raise NotFound(model_id)
    return model


async def sellers_offering(model_id: int) -> list[dict]:
    """The sellers with an offer on this product, whatever its state: each is told of a measure on it."""
    rows = await Offer.select(Offer.seller.id.as_alias("id"), Offer.seller.name.as_alias("name"),
                              Offer.seller.email.as_alias("email"), Offer.seller.status.as_alias("status")).where(
        Offer.variant.model == model_id)
    return list({row["id"]: row for row in rows}.values())


async def dereference_product(model_id: int, *, ground: str, facts: str, operator_id: int,
                              settings: Settings) -> list[int]:
    """The product answers 410 and leaves search at once; each seller offering it gets a statement of
    reasons. Returns the decisions' ids."""
    model = await _product(model_id)
    if model["is_dereferenced"]:
        raise Refused("ground", "This product is already dereferenced.")
    if ground not in PRODUCT_GROUNDS:
        raise Refused("ground", "Choose why the product may not be sold.")
    facts = _check_facts(facts)
    decisions = []
    async with write_transaction(ProductModel._meta.db):
        await ProductModel.update({ProductModel.is_dereferenced: True,
                                   ProductModel.dereferenced_reason: PRODUCT_GROUNDS[ground]}).where(
            ProductModel.id == model_id)
        await mark_model_for_reindex(model_id)
        for seller in await sellers_offering(model_id):
            decisions.append(await decide(
                subject_type="product", subject_id=model_id, measure=Measure.product_dereferenced,
                facts=f"{model['name']}: {facts}\n\nYour offers on this product were taken off the store.",
                ground=Ground.product_rules, ground_detail=PRODUCT_GROUNDS[ground],
                recipient_email=seller["email"], recipient_account=await seller_account(seller["id"]),
                decided_by=operator_id, settings=settings))
        if not decisions:
            await audit(operator_id, "product dereferenced", "product", model_id, PRODUCT_GROUNDS[ground])
        await close_notices("product", model_id, outcome="The product has been taken off the store.",
                            operator_id=operator_id, settings=settings)
    return decisions


async def _put_product_back(model_id: int, operator_id: int, detail: str) -> None:
    """Inside the caller's transaction: back on the store, search told, audited."""
    await ProductModel.update({ProductModel.is_dereferenced: False, ProductModel.dereferenced_reason: ""}).where(
        ProductModel.id == model_id)
    await mark_model_for_reindex(model_id)
    await audit(operator_id, "product reinstated", "product", model_id, detail)


async def reinstate_product(model_id: int, *, operator_id: int, note: str) -> None:
    model = await _product(model_id)
    if not model["is_dereferenced"]:
        raise Refused("note", "This product is not dereferenced.")
    async with write_transaction(ProductModel._meta.db):
        await _put_product_back(model_id, operator_id, note)


async def reverse(decision: dict, *, operator_id: int) -> str:
    """Undoes a catalogue measure whose complaint was upheld in the complainant's favour; returns what the
    complainant is told."""
    subject_id, measure = decision["subject_id"], decision["measure"]
    if measure not in REVERSIBLE:
        return ""
    if measure in (Measure.seller_dereferenced, Measure.contract_terminated):
        seller = await _seller(subject_id)
        await _list_seller_again(subject_id, operator_id, f"decision {decision['id']} reversed")
        return ("your shop is listed again." if seller["status"] == "dereferenced"
                else "the notice of termination is withdrawn.")
    if measure == Measure.product_dereferenced:
        await _put_product_back(subject_id, operator_id, f"decision {decision['id']} reversed")
        return "the product is back on the store."
    if measure == Measure.offer_removed:
        offer = await Offer.select(Offer.variant).where(Offer.id == subject_id).first()
        # Only a removed offer comes back: one its seller deleted meanwhile stays deleted.
        back = offer is not None and bool(await Offer.update({Offer.status: "active"}).where(
            (Offer.id == subject_id) & (Offer.status == "removed")).returning(Offer.id))
        if not back:
            return "your offer is no longer removed; you had deleted it, so it stays off the store."
        assert offer is not None
        await mark_for_reindex([offer["variant"]])
        await audit(operator_id, "offer reinstated", "offer", subject_id, f"decision {decision['id']} reversed")
        return "your offer is back on sale."
    return ""


async def seller_case(seller_id: int) -> dict:
    """What the console shows about one seller: its data, offers, decisions and audit trail."""
    seller = await _seller(seller_id)
    offers = await Offer.count().where(Offer.seller == seller_id)
    active = await Offer.count().where((Offer.seller == seller_id) & buyable_offer_clause())
    # An applicant's account confirms its address before anyone signs in to it (storefront.sellers.applications).
    accounts = await Account.select(Account.email, Account.confirmed_at).where(Account.seller == seller_id).order_by(
        Account.id)
    return {"seller": seller, "offers": offers, "active_offers": active, "gaps": traceability_gaps(seller),
            "accounts": accounts,
            "decisions": await _decisions("seller", seller_id), "audit": await _trail("seller", seller_id)}


async def product_case(model_id: int) -> dict:
    model = await _product(model_id)
    return {"model": model, "sellers": await sellers_offering(model_id),
            "decisions": await _decisions("product", model_id), "audit": await _trail("product", model_id)}


async def _decisions(subject_type: str, subject_id: int) -> list[dict]:
    return await Decision.select().where(
        (Decision.subject_type == subject_type) & (Decision.subject_id == subject_id)).order_by(
        Decision.id, ascending=False)


async def _trail(subject_type: str, subject_id: int) -> list[dict]:
    return await AuditEntry.select(*AuditEntry.all_columns(), AuditEntry.actor.email.as_alias("actor_email")).where(
        (AuditEntry.subject_type == subject_type) & (AuditEntry.subject_id == subject_id)).order_by(AuditEntry.id)


async def decisions_for_seller(seller_id: int) -> list[dict]:
    """Decisions addressed to any of the seller's accounts, newest first, for its portal."""
    return await Decision.select().where(Decision.recipient_account.seller == seller_id).order_by(
        Decision.id, ascending=False).limit(20)
