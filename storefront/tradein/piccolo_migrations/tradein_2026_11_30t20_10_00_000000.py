from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T20:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The accepted quote token's hash on each trade-in (null for none)."


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tradein", description=DESCRIPTION)

    manager.add_column(
        table_class_name="TradeIn",
        tablename="trade_in",
        column_name="quote_token_hash",
        db_column_name="quote_token_hash",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
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
