from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-11-30T10:40:41:090911"
VERSION = "1.38.0"
DESCRIPTION = "states as enums"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="contact", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="ContactMessage",
        tablename="contact_message",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "ContactStatus",
                {"open": "open", "answered": "answered", "closed": "closed"},
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
