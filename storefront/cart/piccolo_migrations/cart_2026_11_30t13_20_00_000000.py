"""One line per offer in a cart, enforced by the database: two add-to-carts racing to insert the same offer
cannot both succeed, so the loser increments the winner's line instead. Duplicate lines left by the old race
are folded into one (quantities added, capped at 10) before the index is made."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T13:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A unique index on cart lines (cart, offer)."

FOLD = [
    "UPDATE cart_line SET quantity = MIN(10, (SELECT SUM(other.quantity) FROM cart_line other "
    "WHERE other.cart = cart_line.cart AND other.offer = cart_line.offer)) "
    "WHERE id IN (SELECT MIN(id) FROM cart_line GROUP BY cart, offer HAVING COUNT(*) > 1)",
    "DELETE FROM cart_line WHERE id NOT IN (SELECT MIN(id) FROM cart_line GROUP BY cart, offer)",
]
UP = "CREATE UNIQUE INDEX cart_line_cart_offer ON cart_line (cart, offer)"
DOWN = "DROP INDEX cart_line_cart_offer"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="cart", description=DESCRIPTION)

    async def one_line_per_offer() -> None:
        engine = engine_finder()
        for statement in FOLD:
            # PostgreSQL's two-argument minimum is LEAST; SQLite's is MIN.
            sqlite = engine.engine_type == "sqlite"
            await engine.run_ddl(statement if sqlite else statement.replace("MIN(10,", "LEAST(10,"))
        await engine.run_ddl(UP)

    async def lines_may_repeat() -> None:
        await engine_finder().run_ddl(DOWN)

    manager.add_raw(one_line_per_offer)
    manager.add_raw_backwards(lines_may_repeat)
    return manager
