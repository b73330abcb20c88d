from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-11-30T11:43:08:140112"
VERSION = "1.38.0"
DESCRIPTION = "a payment is cancelled when its order ends unpaid"


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
                    "cancelled": "cancelled",
                },
            )
        },
        old_params={
            "choices": Enum(
                "PaymentStatus",
                {
                    "created": "created",
                    "succeeded": "succeeded",
                    "failed": "failed",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
