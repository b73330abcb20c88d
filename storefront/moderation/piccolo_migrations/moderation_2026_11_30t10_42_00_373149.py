"""States become enums (Piccolo `choices`; the columns themselves do not change), and the rows follow:

- the measure of a termination for convenience carried its notice period ("contract terminated with 30 days'
  notice"); the period is also in the ground detail and the facts, so the measure becomes one value;
- a ground was its rulebook and the rule in one string ("Seller conditions: Breach of the law in force"); the
  rulebook stays in `ground`, the rule goes to `ground_detail` where that was still empty.
"""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar
from piccolo.engine import engine_finder

ID = "2026-11-30T10:42:00:373149"
VERSION = "1.38.0"
DESCRIPTION = "states as enums"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="moderation", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Complaint",
        tablename="complaint",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "ComplaintStatus",
                {"open": "open", "upheld": "upheld", "reversed": "reversed"},
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Decision",
        tablename="decision",
        column_name="measure",
        db_column_name="measure",
        params={
            "choices": Enum(
                "Measure",
                {
                    "review_kept": "review kept",
                    "review_removed": "review removed",
                    "notice_rejected": "notice rejected",
                    "offer_removed": "offer removed",
                    "product_dereferenced": "product dereferenced",
                    "seller_dereferenced": "seller dereferenced for a breach",
                    "contract_terminated": "contract terminated with notice",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Decision",
        tablename="decision",
        column_name="ground",
        db_column_name="ground",
        params={
            "choices": Enum(
                "Ground",
                {
                    "reviews_policy": "Reviews policy",
                    "offer_rules": "Offer rules",
                    "product_rules": "Product rules",
                    "seller_conditions": "Seller conditions",
                    "termination_for_convenience": "Termination for convenience under the seller conditions",
                    "notice_examined": "Notice examined",
                },
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Notice",
        tablename="notice",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "NoticeStatus", {"open": "open", "handled": "handled"}
            )
        },
        old_params={"choices": None},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    async def one_value_per_state() -> None:
        engine = engine_finder()
        position = "instr(ground, ':')" if engine.engine_type == "sqlite" else "strpos(ground, ':')"
        await engine.run_ddl(
            "UPDATE decision SET measure = 'contract terminated with notice' "
            "WHERE measure LIKE 'contract terminated with %'")
        await engine.run_ddl(
            f"UPDATE decision SET ground = substr(ground, 1, {position} - 1), ground_detail = CASE "
            f"WHEN ground_detail = '' THEN trim(substr(ground, {position} + 1)) ELSE ground_detail END "
            f"WHERE {position} > 0")

    manager.add_raw(one_value_per_state)
    return manager
