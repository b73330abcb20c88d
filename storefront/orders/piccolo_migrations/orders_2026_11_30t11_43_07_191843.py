from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T11:43:07:191843"
VERSION = "1.38.0"
DESCRIPTION = "unpaid orders: the cart an order came from; cancelled and expired"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="orders", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Order",
        tablename="order",
        column_name="cart",
        db_column_name="cart",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 36,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
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
                    "cancelled": "cancelled",
                    "expired": "expired",
                },
            )
        },
        old_params={
            "choices": Enum(
                "OrderStatus",
                {
                    "pending_payment": "pending_payment",
                    "paid": "paid",
                    "payment_failed": "payment_failed",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
