from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-11-30T10:40:42:515947"
VERSION = "1.38.0"
DESCRIPTION = "states as enums"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="payments", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Payment",
        tablename="payment",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "PaymentStatus",
                {
                    "created": "created",
                    "succeeded": "succeeded",
                    "failed": "failed",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
