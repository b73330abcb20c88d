"""Offers keep their prior price: the lowest price of the 30 days before the current one took effect, set by the
listing service with each price change, so the store reads it with the offer. Existing offers start without one:
an offer whose price changed before this migration gets its prior price at its next price change, and until then
no reduction is announced for it (never a wrong one)."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T16:21:48:910313"
VERSION = "1.38.0"
DESCRIPTION = "Offers keep the prior price a reduction is announced against."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="sellers", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Offer",
        tablename="offer",
        column_name="prior_price_cents",
        db_column_name="prior_price_cents",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
