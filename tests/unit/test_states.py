"""States are enums: every column that holds a state declares its `choices`, so a new free-string state fails
here, and the enums keep the values the database already holds."""
from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Varchar

from storefront.db import app_tables
from storefront.moderation.states import ComplaintStatus, Measure
from storefront.orders.states import SellerOrderStatus
from storefront.sellers.states import OfferStatus, SellerStatus

STATE_SUFFIXES = ("status", "state", "measure", "ground", "role")


def state_columns() -> list[tuple[str, Varchar]]:
    return [(f"{table.__name__}.{column._meta.name}", column)
            for table in app_tables() for column in table._meta.columns
            if isinstance(column, Varchar) and column._meta.name.endswith(STATE_SUFFIXES)]


def test_every_state_column_declares_its_choices() -> None:
    columns = state_columns()
    assert len(columns) >= 13, "the walk found the tables"
    free = [name for name, column in columns if column._meta.choices is None]
    assert free == []


def test_state_enums_are_string_enums_whose_values_fit_their_column() -> None:
    for name, column in state_columns():
        choices = column._meta.choices
        assert issubclass(choices, StrEnum), name
        too_long = [member.value for member in choices if len(member.value) > column.length]
        assert too_long == [], name


def test_the_stored_values_are_the_words_already_in_the_database() -> None:
    assert OfferStatus.active == "active" and SellerStatus.referenced == "referenced"
    assert SellerOrderStatus.awaiting_payment == "awaiting_payment"
    assert ComplaintStatus.reversed == "reversed"
    assert Measure.review_removed == "review removed"
    assert Measure.seller_dereferenced == "seller dereferenced for a breach"
