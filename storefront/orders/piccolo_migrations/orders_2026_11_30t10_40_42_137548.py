from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-11-30T10:40:42:137548"
VERSION = "1.38.0"
DESCRIPTION = "states as enums"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="orders", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Claim",
        tablename="claim",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "ClaimStatus",
                {"open": "open", "answered": "answered", "closed": "closed"},
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Order",
        tablename="order",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "OrderStatus",
                {
                    "pending_payment": "pending_payment",
                    "paid": "paid",
                    "payment_failed": "payment_failed",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="OrderEvent",
        tablename="order_event",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "SellerOrderStatus",
                {
                    "awaiting_payment": "awaiting_payment",
                    "pending": "pending",
                    "accepted": "accepted",
                    "refused": "refused",
                    "shipped": "shipped",
                    "delivered": "delivered",
                    "cancelled": "cancelled",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="SellerOrder",
        tablename="seller_order",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "SellerOrderStatus",
                {
                    "awaiting_payment": "awaiting_payment",
                    "pending": "pending",
                    "accepted": "accepted",
                    "refused": "refused",
                    "shipped": "shipped",
                    "delivered": "delivered",
                    "cancelled": "cancelled",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
