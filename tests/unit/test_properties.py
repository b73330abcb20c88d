"""Rules that hold for every input, checked with generated ones: the service fee, euro parsing, the
ledger's balanced transactions and the quoting of Meilisearch filter values."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from search_index.backends.meili import quote
from storefront.payments import ledger
from storefront.settings import ServiceFeeRule
from storefront.units import money, parse_euros

RULE = ServiceFeeRule()
prices = st.integers(min_value=1, max_value=2_000_000)
carts = st.lists(st.tuples(prices, st.integers(min_value=1, max_value=5)), max_size=8)


def items_of(cart: list[tuple[int, int]]) -> int:
    return sum(price * quantity for price, quantity in cart)


@given(st.integers(min_value=1, max_value=10**9))
def test_the_fee_of_a_cart_stays_between_floor_and_ceiling(items_cents: int) -> None:
    assert 49 <= RULE.fee_for(items_cents) <= 799


@given(carts, st.integers(min_value=0, max_value=7), st.integers(min_value=0, max_value=100_000))
def test_a_dearer_item_never_lowers_the_fee(cart: list[tuple[int, int]], line: int, increase: int) -> None:
    if not cart:
        return
    dearer = list(cart)
    index = line % len(cart)
    price, quantity = dearer[index]
    dearer[index] = (price + increase, quantity)
    assert RULE.fee_for(items_of(dearer)) >= RULE.fee_for(items_of(cart))


@given(st.integers(min_value=-10**9, max_value=0))
def test_an_empty_cart_pays_nothing(items_cents: int) -> None:
    assert RULE.fee_for(items_cents) == 0


@given(st.integers(min_value=0, max_value=10_000_000_00))
def test_a_formatted_amount_parses_back(cents: int) -> None:
    # The shopper types what the page shows, without the thousands separator the form does not expect.
    assert parse_euros(money(cents).replace(",", "")) == cents


@given(st.one_of(st.none(), st.text()))
@example("²")  # a digit to str.isdigit(), not to int()
def test_no_input_breaks_euro_parsing(text: str | None) -> None:
    cents = parse_euros(text)
    assert cents is None or (isinstance(cents, int) and cents >= 0)


@given(st.text(alphabet=st.sampled_from('0123456789.,€ -+eE_')))
def test_euro_parsing_never_returns_a_negative(text: str) -> None:
    cents = parse_euros(text)
    assert cents is None or cents >= 0


seller_order_totals = st.lists(st.integers(min_value=1, max_value=5_000_000), min_size=1, max_size=5)
fates = st.sampled_from(["paid", "accepted", "refused"])


@given(seller_order_totals, st.data(), st.integers(min_value=0, max_value=5_000))
def test_every_ledger_transaction_sums_to_zero(totals: list[int], data: st.DataObject, rate_bp: int) -> None:
    fee = RULE.fee_for(sum(totals))
    order = {"id": 1, "reference": "E-1", "total_cents": sum(totals) + fee, "service_fee_cents": fee}
    seller_orders = [{"id": i, "order": 1, "seller": 100 + i, "total_cents": total}
                     for i, total in enumerate(totals, start=1)]
    chosen = data.draw(st.lists(fates, min_size=len(totals), max_size=len(totals)))
    transactions = [ledger.payment_postings(order, seller_orders)]
    for seller_order, fate in zip(seller_orders, chosen, strict=True):
        if fate == "accepted":
            transactions.append(ledger.commission_postings(seller_order, rate_bp))
    # As refusing does: the fee goes back with the last part of an order that no seller fulfils.
    refused = [so for so, fate in zip(seller_orders, chosen, strict=True) if fate == "refused"]
    for position, seller_order in enumerate(refused, start=1):
        last = position == len(refused) == len(seller_orders)
        back = seller_order["total_cents"] + (fee if last else 0)
        transactions.append(ledger.refund_due_postings(seller_order["seller"], seller_order["total_cents"],
                                                      fee if last else 0))
        transactions.append(ledger.refund_sent_postings(back))

    for postings in transactions:
        assert sum(p.amount_cents for p in postings) == 0
    everything = [p for postings in transactions for p in postings]
    held = sum(p.amount_cents for p in everything if p.account == ledger.PSP)
    assert held >= 0
    if len(refused) == len(seller_orders):
        assert held == 0


def _unquote(literal: str) -> str:
    """Reads a filter string literal the way Meilisearch does: up to the first unescaped quote."""
    assert literal.startswith('"')
    value, i = [], 1
    while i < len(literal):
        char = literal[i]
        if char == "\\" and i + 1 < len(literal):
            value.append(literal[i + 1])
            i += 2
            continue
        if char == '"':
            assert i == len(literal) - 1, f"the value breaks out of its quotes at {i}: {literal!r}"
            return "".join(value)
        value.append(char)
        i += 1
    raise AssertionError(f"the literal is never closed: {literal!r}")


@given(st.text())
def test_a_quoted_filter_value_reads_back_the_same(value: str) -> None:
    assert _unquote(quote(value)) == value


@given(st.text(alphabet=st.sampled_from('"\\ aOR=x\'')))
def test_quotes_and_backslashes_never_end_the_literal_early(value: str) -> None:
    assert _unquote(quote(value)) == value
