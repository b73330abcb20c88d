from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-11-30T10:40:43:231233"
VERSION = "1.38.0"
DESCRIPTION = "states as enums"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="sellers", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Offer",
        tablename="offer",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "OfferStatus", {"active": "active", "removed": "removed"}
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Seller",
        tablename="seller",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "SellerStatus",
                {
                    "pending": "pending",
                    "referenced": "referenced",
                    "dereferenced": "dereferenced",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
