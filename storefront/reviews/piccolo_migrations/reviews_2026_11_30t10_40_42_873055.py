from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-11-30T10:40:42:873055"
VERSION = "1.38.0"
DESCRIPTION = "states as enums"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="reviews", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Review",
        tablename="review",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "ReviewStatus", {"published": "published", "removed": "removed"}
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="ReviewReport",
        tablename="review_report",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "ReportStatus", {"open": "open", "handled": "handled"}
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
