"""Two acceptances of one quote token at once, and two answers to one counter-offer, on PostgreSQL: there both
writers check before either writes, so the unique quote-token index and the conditional UPDATE decide."""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

from storefront.errors import Refused
from storefront.payments.tables import LedgerEntry
from storefront.tradein import person, quotes
from storefront.tradein.quotes import ConditionAnswers
from storefront.tradein.states import ConditionState
from storefront.tradein.tables import TradeIn
from tests.integration.commerce import make_account
from tests.integration.test_tradein_person import (  # noqa: F401 (remove_photos: the autouse clean-up)
    GOOD,
    IBAN,
    RETURN_ADDRESS,
    buyer,
    counter_offered,
    grid,
    refurbisher,
    remove_photos,
)

GIVEN = person.AcceptInput("passport", "19AB12345", IBAN, "Camille Martin", True, **RETURN_ADDRESS)


async def test_one_token_one_trade_in_and_one_answer_on_postgres(postgres_store) -> None:
    settings = replace(postgres_store.settings, secret_key="tradein-postgres-test-secret")
    shop = await refurbisher()
    await buyer(shop.seller_id)
    await grid(shop.seller_id, shop.model_id, {ConditionState.functional_good: 18_000})
    quote = await quotes.best_quote(shop.model_id, 64, ConditionAnswers(**GOOD), valid_days=14,
                                    now=dt.datetime.now(dt.UTC))
    assert quote is not None
    token = quotes.token_for(quote, settings.secret_key)
    account = await make_account()

    outcomes = await asyncio.gather(*(person.accept(token, GIVEN, account_id=account["id"], settings=settings)
                                      for _ in range(3)), return_exceptions=True)

    references = [outcome for outcome in outcomes if isinstance(outcome, str)]
    assert len(references) == 1
    assert all(isinstance(o, Refused) and o.message == person.ALREADY_ACCEPTED for o in outcomes
               if not isinstance(o, str))
    assert await TradeIn.count().where(TradeIn.account == account["id"]) == 1

    await counter_offered(references[0], 12_000, settings)
    answers = await asyncio.gather(
        person.answer_counter_offer(references[0], True, account_id=account["id"], settings=settings),
        person.answer_counter_offer(references[0], False, account_id=account["id"], settings=settings),
        return_exceptions=True)
    assert sum(answer is None for answer in answers) == 1
    status = (await TradeIn.select(TradeIn.status).where(TradeIn.reference == references[0]).first())["status"]
    entries = await LedgerEntry.count().where(LedgerEntry.transaction == f"tip:{references[0]}")
    # Whichever answer won, the ledger agrees with it: paid books the two balanced lines, returning none.
    assert (status, entries) in (("paid", 2), ("returning", 0))


async def test_three_photos_at_once_for_the_last_place_keep_the_limit_on_postgres(postgres_store, tmp_path) -> None:
    from storefront.tradein import photos
    from storefront.tradein.tables import TradeInPhoto
    from tests.integration.test_referencing import exclusive_seller
    from tests.integration.test_tradein_operator import trade_in

    rules = replace(postgres_store.settings.tradein, photos_dir=tmp_path / "photos", photo_max_count=2)
    settings = replace(postgres_store.settings, tradein=rules)
    made = await trade_in(await exclusive_seller(), "received")
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 400
    await photos.add_photo(made, jpeg, settings)

    outcomes = await asyncio.gather(*(photos.add_photo(made, jpeg, settings) for _ in range(3)),
                                    return_exceptions=True)

    assert sum(isinstance(outcome, int) for outcome in outcomes) == 1
    assert await TradeInPhoto.count().where(TradeInPhoto.trade_in == made["id"]) == 2
    # The refused uploads left no file behind.
    assert len(list((tmp_path / "photos").rglob("*.jpg"))) == 2


async def test_both_sides_raising_a_dispute_at_once_open_one_on_postgres(postgres_store) -> None:
    from storefront.tradein import operator
    from storefront.tradein.tables import TradeInDispute
    from tests.integration.test_referencing import exclusive_seller
    from tests.integration.test_tradein_operator import trade_in

    made = await trade_in(await exclusive_seller(), "received")

    outcomes = await asyncio.gather(
        operator.raise_dispute(made["id"], "person", "The refurbisher keeps my phone and says nothing.",
                               settings=postgres_store.settings),
        operator.raise_dispute(made["id"], "refurbisher", "The person sent another phone than declared.",
                               settings=postgres_store.settings),
        return_exceptions=True)

    assert sum(isinstance(outcome, int) for outcome in outcomes) == 1
    assert [o.message for o in outcomes if isinstance(o, Refused)] == [
        "A dispute on this trade-in is already waiting for Encore's decision."]
    assert await TradeInDispute.count().where(TradeInDispute.trade_in == made["id"]) == 1


async def test_two_purchases_at_once_never_take_more_than_the_balance_on_postgres(postgres_store) -> None:
    from storefront.payments.payouts import payable_balance
    from storefront.tradein import inspection
    from tests.integration.builders import credit_balance
    from tests.integration.test_referencing import exclusive_seller
    from tests.integration.test_tradein_operator import trade_in

    shop = await exclusive_seller()
    await credit_balance(shop.seller_id, 20_000)  # enough for one €180.00 device, not two
    devices = [await trade_in(shop, "received", found_state="functional_good", imei_or_serial=imei)
               for imei in ("352099001761481", "352099001761499")]

    outcomes = await asyncio.gather(*(inspection.pay(d["id"], seller_id=shop.seller_id,
                                                     settings=postgres_store.settings) for d in devices),
                                    return_exceptions=True)

    assert sum(isinstance(outcome, Refused) for outcome in outcomes) == 1
    assert await payable_balance(shop.seller_id, dt.date.today(), postgres_store.settings.payouts.delay_days) == 2_000
