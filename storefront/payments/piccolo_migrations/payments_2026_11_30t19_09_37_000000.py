"""Refunds booked before refunds were sent to the provider (a seller's refusal wrote only the ledger's
`ref:<seller order>` transaction, and nobody asked the provider to pay it back) become refund rows waiting to be
sent, and their money moves from the clearing account to `refunds_due` until the provider pays it back."""
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T19:09:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "Earlier refusals' refunds are sent to the provider."

# Each earlier refund: its seller order, what it took from the seller, and the service fee it gave back.
EARLIER = """
    SELECT so.id AS seller_order, so."order" AS order_id, so.seller AS seller,
           -(SELECT SUM(p.amount_cents) FROM ledger_entry p
             WHERE p."transaction" = le."transaction" AND p.account = 'psp_clearing') AS to_buyer,
           le.amount_cents AS amount, le.currency AS currency, le.created_at AS created_at
    FROM ledger_entry le JOIN seller_order so ON le."transaction" = 'ref:' || CAST(so.id AS TEXT)
    WHERE le.account = 'seller_payable' AND le.kind = 'refund'
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="payments", description=DESCRIPTION)

    async def send_earlier_refunds() -> None:
        engine = engine_finder()
        await engine.run_ddl(f"""
            INSERT INTO refund ("order", seller_order, reason, amount_cents, fee_cents, commission_reversed_cents,
                                currency, note, status, provider_refund_id, attempts, next_attempt_at,
                                key_generation, last_error, created_at, sent_at)
            SELECT e.order_id, e.seller_order, 'refusal', e.amount, e.to_buyer - e.amount, 0, e.currency,
                   'booked before refunds were sent to the payment provider', 'pending', '', 0, NULL, 0, '',
                   e.created_at, NULL
            FROM ({EARLIER}) e""")
        for account, sign in (("psp_clearing", ""), ("refunds_due", "-")):
            await engine.run_ddl(f"""
                INSERT INTO ledger_entry ("transaction", "order", seller, account, amount_cents, currency, kind,
                                          memo, created_at)
                SELECT 'due:' || CAST(e.seller_order AS TEXT), e.order_id, NULL, '{account}', {sign}e.to_buyer,
                       e.currency, 'refund', 'an earlier refund, owed to the buyer until the provider pays it',
                       e.created_at
                FROM ({EARLIER}) e""")

    manager.add_raw(send_earlier_refunds)
    return manager
