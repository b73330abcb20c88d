"""Demo trade-ins: two established refurbishers buy devices, with price grids for a handful of popular models (all
six condition states), and one trade-in at every step, reached by the store's own moves (`moves.move`, the
payment through `money.book_payment`, the suspension and dispute through storefront.tradein.operator), dated in
the past. The quote and any counter-offer are read from the grids' rows; nothing is a figure written by hand."""
from __future__ import annotations

import datetime as dt
from typing import Any

from stdnum import luhn

from storefront.accounts.tables import Account
from storefront.catalog.tables import ProductModel, Variant
from storefront.payments.payouts import refuse_unless_covered
from storefront.sellers.services import iban_with_check_digits
from storefront.settings import Settings
from storefront.tradein import money, operator
from storefront.tradein.moves import move
from storefront.tradein.states import ConditionState, TradeInStatus
from storefront.tradein.tables import GridPrice, PriceGrid, TradeIn, TradeInProgram

MODELS = ["iPhone 12", "iPhone 13", "iPhone 14", "Galaxy S22", "Galaxy S23"]
# What a refurbisher pays for a working, flawless 128 GB device of each model, in cents, before the state's share.
BASE_CENTS = {"iPhone 12": 21_000, "iPhone 13": 29_000, "iPhone 14": 38_000, "Galaxy S22": 19_000,
              "Galaxy S23": 27_000}
# Share of the flawless price paid in each state, in per cent.
STATE_SHARE = {ConditionState.functional_flawless: 100, ConditionState.functional_good: 85,
               ConditionState.functional_used: 70, ConditionState.functional_cracked: 45,
               ConditionState.not_functional_used: 20, ConditionState.not_functional_cracked: 10}
S = TradeInStatus
# (status reached, model, storage, state declared, state found or None, days ago it was accepted)
PLAN: list[tuple[TradeInStatus, str, int, ConditionState, ConditionState | None, int]] = [
    (S.to_send, "iPhone 13", 128, ConditionState.functional_good, None, 2),
    (S.sent, "iPhone 14", 128, ConditionState.functional_flawless, None, 4),
    (S.received, "Galaxy S23", 256, ConditionState.functional_good, None, 6),
    (S.counter_offered, "iPhone 12", 64, ConditionState.functional_good, ConditionState.functional_cracked, 8),
    (S.paid, "iPhone 13", 256, ConditionState.functional_used, ConditionState.functional_used, 12),
    (S.returning, "Galaxy S22", 128, ConditionState.functional_flawless, ConditionState.functional_used, 14),
    (S.returned, "iPhone 12", 128, ConditionState.functional_good, ConditionState.not_functional_used, 25),
    (S.cancelled, "iPhone 14", 256, ConditionState.functional_good, None, 9),
    (S.expired, "Galaxy S23", 128, ConditionState.functional_used, None, 30),
    (S.suspended, "iPhone 13", 128, ConditionState.functional_flawless, None, 5),
]


async def _grids(sellers: list[int], now: dt.datetime) -> dict[tuple[int, str], dict]:
    """Each refurbisher's grid per model: (seller, model name) → its model id and {(storage, state): cents}."""
    models = {row["name"]: row["id"] for row in await ProductModel.select(ProductModel.id, ProductModel.name).where(
        ProductModel.name.is_in(MODELS))}
    grids: dict[tuple[int, str], dict] = {}
    for rank, seller_id in enumerate(sellers):
        await TradeInProgram.insert(TradeInProgram(seller=seller_id, enabled=True, updated_at=now))
        for name, model_id in sorted(models.items()):
            storages = sorted({row["storage_gb"] for row in await Variant.select(Variant.storage_gb).where(
                (Variant.model == model_id) & Variant.storage_gb.is_not_null())} | {64, 128, 256})
            grid = (await PriceGrid.insert(PriceGrid(seller=seller_id, model=model_id, updated_at=now)).returning(
                PriceGrid.id))[0]["id"]
            prices = {}
            for storage in storages:
                # The second refurbisher pays 4 % less for iPhones and 5 % more for Galaxies: each wins some quotes.
                lean = (-4 if name.startswith("iPhone") else 5) * rank
                flawless = (BASE_CENTS[name] + (storage // 128) * 3_000) * (100 + lean) // 100
                for state, share in STATE_SHARE.items():
                    prices[(storage, state)] = flawless * share // 100 // 100 * 100  # whole euros
            await GridPrice.insert(*(GridPrice(grid=grid, storage_gb=storage, state=state, price_cents=cents)
                                     for (storage, state), cents in prices.items()))
            grids[(seller_id, name)] = {"model": model_id, "prices": prices}
    return grids


async def load_demo_trade_ins(sellers: list[int], settings: Settings) -> int:
    """The two refurbishers' grids and one trade-in at each step; returns how many trade-ins."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    grids = await _grids(sellers, now)
    if not grids:
        return 0
    people = await Account.select(Account.id, Account.name).where(Account.email.like("buyer%@encore.example")).order_by(
        Account.id)
    operator_id = (await Account.select(Account.id).where(Account.role == "operator").first() or {}).get("id")
    rules = settings.tradein
    for n, (goal, name, storage, declared, found, days_ago) in enumerate(PLAN, 1):
        # The best price among the grids, as the quote would show it.
        seller_id = max(sellers, key=lambda s: grids[(s, name)]["prices"][(storage, declared)])
        grid = grids[(seller_id, name)]
        person = people[n % len(people)] if people else None
        if person is None:
            return 0
        at = now - dt.timedelta(days=days_ago)
        row = TradeIn(reference=f"TI-DEMO-{n:03d}", account=person["id"], seller=seller_id, model=grid["model"],
                      storage_gb=storage, declared_state=declared, quote_cents=grid["prices"][(storage, declared)],
                      status=S.to_send, ship_by=at + dt.timedelta(days=rules.quote_valid_days),
                      id_document_type="identity_card", id_document_number=f"DEMO{n:05d}",
                      iban=iban_with_check_digits("FR", f"30006000011234567890{n:03d}"), holder_name=person["name"],
                      ownership_declared=True, label_carrier="Colissimo", tracking_number=f"6A{n:09d}",
                      return_name=person["name"], return_line1=f"{n} rue de la République", return_postcode="69002",
                      return_city="Lyon", return_country="FR", created_at=at, updated_at=at)
        await row.save()
        t = await TradeIn.select().where(TradeIn.id == row.id).first()
        assert t is not None  # just saved
        await _walk(t, goal, found, grid["prices"], at, now, rules.counter_offer_days, rules.commission_basis_points,
                    operator_id, settings)
    return len(PLAN)


def _imei(trade_in_id: int) -> str:
    """A well-formed IMEI (its Luhn digit right) of a type allocation code no sandbox register lists, one per
    trade-in: the demo's devices are none of them reported stolen."""
    body = f"35209900{trade_in_id:06d}"
    return body + luhn.calc_check_digit(body)


async def _walk(t: dict[str, Any], goal: TradeInStatus, found: ConditionState | None, prices: dict, at: dt.datetime,
                now: dt.datetime, counter_days: int, rate: int, operator_id: int | None, settings: Settings) -> None:
    """Takes one trade-in from "to send" to `goal`, a day or so per step."""
    day = dt.timedelta(days=1)
    if goal == S.cancelled:
        await move(t, (S.to_send,), S.cancelled, actor="person", note="Changed my mind.", at=at + day)
        return
    if goal == S.expired:
        await move(t, (S.to_send,), S.expired, actor="system", note="Not sent before the quote's date.",
                   at=t["ship_by"] + dt.timedelta(minutes=5))
        return
    if goal == S.to_send:
        return
    await move(t, (S.to_send,), S.sent, actor="person", at=at + day)
    if goal == S.sent:
        return
    await move(t, (S.sent,), S.received, actor="refurbisher", at=at + 2 * day)
    if goal == S.suspended:
        # A dispute the operator can decide (the refurbisher has the device), and the suspension while it is looked at.
        await operator.raise_dispute(t["id"], "person", "Received three days ago and no word since: the refurbisher "
                                     "does not answer my messages.", settings=settings, now=at + 5 * day)
        if operator_id is not None:
            await operator.suspend(t["id"], operator_id=operator_id, reasons="Asking the refurbisher for the "
                                   "inspection.", settings=settings, now=at + 5 * day)
        return
    if goal == S.received:
        return
    found = found or ConditionState(t["declared_state"])
    if goal == S.paid:
        # As the seller portal would: its sales must cover the device (the history is loaded first).
        await refuse_unless_covered(t["seller"], t["quote_cents"], money.commission_for(t["quote_cents"], rate),
                                    settings, field="decision", what="this purchase")
        await move(t, (S.received,), S.paid, actor="refurbisher", note="As declared.", at=at + 3 * day,
                   imei_or_serial=_imei(t["id"]), found_state=found, paid_cents=t["quote_cents"],
                   commission_cents=money.commission_for(t["quote_cents"], rate))
        await money.book_payment(t, t["quote_cents"], rate, at=at + 3 * day)
        return
    counter = prices[(t["storage_gb"], found)]
    await refuse_unless_covered(t["seller"], counter, money.commission_for(counter, rate), settings,
                                field="amount", what="this counter-offer")
    await move(t, (S.received,), S.counter_offered, actor="refurbisher", at=at + 3 * day,
               note="Found in another state than declared.", imei_or_serial=_imei(t["id"]), found_state=found,
               counter_cents=counter, counter_reasons="The state found differs from the answers.",
               counter_expires_at=min(at + 3 * day + dt.timedelta(days=counter_days), now + 2 * day))
    if goal == S.counter_offered:
        return
    await move(t, (S.counter_offered,), S.returning, actor="person", note="Counter-offer refused.", at=at + 4 * day)
    if goal == S.returned:
        await move(t, (S.returning,), S.returned, actor="refurbisher", at=at + 6 * day,
                   return_tracking_number="6R000000001")
