"""Every job the store runs on its own, in one list both runners read (`embedded` and `queue`).

A job is a named async function of a `JobContext` with a schedule: a cron expression, or None for a job
that only runs when woken (none so far). The sweeping jobs run every JOBS_INTERVAL_SECONDS; mail a person
waits for does not wait for them: a request or a job that queued mail wakes `send-mail` (see `run_job`).

Each job is safe to run twice or in two processes at once (each says how); the runners also see to it
that a scheduled tick runs once, but a woken job may overlap a scheduled run of itself.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from storefront.catalog.outbox import stop_watching as stop_watching_search
from storefront.catalog.outbox import watch_marks
from storefront.jobs.schedule import cron_every
from storefront.mail.outbox import stop_watching as stop_watching_mail
from storefront.mail.outbox import watch_queued
from storefront.payments.refunds import stop_watching as stop_watching_refunds
from storefront.payments.refunds import watch_booked
from storefront.settings import Settings
from storefront.webhooks.outbox import stop_watching as stop_watching_webhooks
from storefront.webhooks.outbox import watch_recorded

SEND_MAIL = "send-mail"
SYNC_INDEX = "sync-index"
SEND_WEBHOOKS = "send-webhooks"
SEND_REFUNDS = "send-refunds"
# Webhook retries are due 1 minute after a failure at the earliest: their job looks every minute (as often as
# the sweeps when they are more frequent), and not at all when the sweeps are off.
RETRIES = "retries"
OFFER_IMPORTS = "offer-imports"
# On the clock, whatever the sweeps' period, but off like them when JOBS_INTERVAL_SECONDS is 0: the monthly fees
# at 01:00 UTC on the 1st, the payout runs at 06:00 UTC on each of PAYOUT_DAYS. At start each catches up its
# latest tick, which is safe: a fee is booked once per seller and month, a payout run once per date.
MONTHLY_FEES_CRON = "0 1 1 * *"
# The closed month's statements, invoices and remaining receipts: after the month's fees are booked.
DOCUMENTS_CRON = "0 2 1 * *"
PAYOUT_DAYS = "payout-days"


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    # Reindexes what the search outbox holds. Handed in by the wiring (app.py, manage.py): the domain, these
    # jobs included, knows nothing of search but its outbox.
    drain_search: Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class Job:
    name: str
    perform: Callable[[JobContext], Awaitable[object]]
    # "sweep": every JOBS_INTERVAL_SECONDS (none when that is 0); "retries": every minute, or every
    # JOBS_INTERVAL_SECONDS when that is shorter (none when it is 0); otherwise a cron expression.
    schedule: str = "sweep"

    def cron(self, settings: Settings) -> str | None:
        if settings.jobs_interval_seconds <= 0 and self.schedule in (MONTHLY_FEES_CRON, DOCUMENTS_CRON, PAYOUT_DAYS):
            return None
        if self.schedule == PAYOUT_DAYS:
            return f"0 6 {','.join(str(day) for day in settings.payouts.days)} * *"
        if self.schedule not in ("sweep", RETRIES):
            return self.schedule
        if settings.jobs_interval_seconds <= 0:
            return None
        if self.schedule == RETRIES:
            return cron_every(min(60, settings.jobs_interval_seconds))
        return cron_every(settings.jobs_interval_seconds)


async def _send_review_invitations(context: JobContext) -> int:
    from storefront.reviews.invitations import send_due_invitations

    return await send_due_invitations(context.settings)  # a unique index picks the one run that invites


async def _expire_unpaid_orders(context: JobContext) -> int:
    from storefront.orders.transitions import expire_unpaid_orders

    return await expire_unpaid_orders(context.settings)  # each order is claimed by one run


async def _escalate_claims(context: JobContext) -> int:
    from storefront.orders.claims import escalate_due

    return await escalate_due(context.settings)  # each claim is claimed by one run (a conditional UPDATE)


async def _reconcile_payments(context: JobContext) -> int:
    from storefront.payments.opening import reconcile_pending
    from storefront.payments.providers import provider_from_settings

    # Each payment moves on a conditional UPDATE and its event id is unique: a second run settles nothing twice.
    return await reconcile_pending(provider_from_settings(context.settings), context.settings)


async def _send_refunds(context: JobContext) -> int:
    from storefront.payments.providers import provider_from_settings
    from storefront.payments.refunds import send_pending

    # The refund's idempotency key makes one refund at the provider however many runs overlap.
    return await send_pending(provider_from_settings(context.settings))


async def _close_provider_payments(context: JobContext) -> int:
    from storefront.payments.closing import close_ended_payments
    from storefront.payments.providers import provider_from_settings

    # closed_at moves on a conditional UPDATE and the refund has an idempotency key: a second run books nothing.
    return await close_ended_payments(provider_from_settings(context.settings), context.settings)


async def _purge_sessions(context: JobContext) -> int:
    from storefront.accounts.sessions import purge_expired

    await purge_expired()  # a DELETE: the second run finds nothing
    return 0


async def _purge_abandoned_carts(context: JobContext) -> int:
    from storefront.cart.abandoned import purge_abandoned_carts

    return await purge_abandoned_carts(context.settings)  # a DELETE: the second run finds nothing


async def _apply_terminations(context: JobContext) -> int:
    from storefront.moderation.referencing import apply_due_terminations

    return await apply_due_terminations()


async def _roll_up_active_recipients(context: JobContext) -> int:
    from storefront.audience.service import roll_up

    return len(await roll_up())  # one figure per month, inserted once


async def _run_offer_imports(context: JobContext) -> int:
    from storefront.sellers.offer_import import run_pending_imports

    return await run_pending_imports()  # each step of an import is claimed by one run


async def _send_mail(context: JobContext) -> int:
    from storefront.mail.outbox import deliver_pending

    return await deliver_pending(context.settings)  # each message is claimed by one sender


async def _send_webhooks(context: JobContext) -> int:
    from storefront.webhooks.sender import deliver_due

    return await deliver_due(context.settings)  # each delivery is claimed by one sender


async def _purge_webhook_deliveries(context: JobContext) -> int:
    from storefront.webhooks.outbox import purge_old_deliveries

    return await purge_old_deliveries()  # a DELETE: the second run finds nothing


async def _book_monthly_fees(context: JobContext) -> int:
    from storefront.payments.monthly_fees import book_monthly_fees

    return await book_monthly_fees(context.settings)  # once per seller and month: a unique transaction


async def _issue_documents(context: JobContext) -> int:
    from storefront.documents.service import issue_month

    return await issue_month(context.settings)  # once per subject: a unique row, its number in the same transaction


async def _run_payouts(context: JobContext) -> int:
    import datetime as dt

    from storefront.payments.payouts import latest_payout_day, run_payouts

    today = dt.datetime.now(dt.UTC).date()
    run = await run_payouts(context.settings, latest_payout_day(today, context.settings.payouts.days))
    return len(run.paid) if run else 0  # once per date: a unique run


async def _escalate_returns(context: JobContext) -> int:
    from storefront.returns.service import escalate_overdue

    return await escalate_overdue(context.settings)  # each return is claimed by one run's conditional UPDATE


async def _expire_trade_ins(context: JobContext) -> int:
    from storefront.tradein.clocks import expire_due

    return await expire_due(context.settings)  # each trade-in is claimed by one run (moves.move's conditional UPDATE)


async def _sync_index(context: JobContext) -> int:
    return await context.drain_search()  # reindexing a variant twice writes the same document


# In this order within a tick: what the others queue or mark goes out, or is indexed, in the same tick.
JOBS: tuple[Job, ...] = (
    Job("send-review-invitations", _send_review_invitations),
    Job("reconcile-payments", _reconcile_payments),  # before expiry: an order paid at the provider is not lost
    Job("expire-unpaid-orders", _expire_unpaid_orders),
    Job("close-provider-payments", _close_provider_payments),  # after expiry: its orders' pages close too
    Job("escalate-claims", _escalate_claims),
    Job("purge-sessions", _purge_sessions),
    Job("purge-abandoned-carts", _purge_abandoned_carts),
    Job("apply-terminations", _apply_terminations),
    Job("roll-up-active-recipients", _roll_up_active_recipients),
    Job(OFFER_IMPORTS, _run_offer_imports),
    Job("escalate-returns", _escalate_returns),
    Job("expire-trade-ins", _expire_trade_ins),
    Job(SEND_MAIL, _send_mail),
    Job(SEND_WEBHOOKS, _send_webhooks, schedule=RETRIES),
    Job(SEND_REFUNDS, _send_refunds, schedule=RETRIES),
    Job("purge-webhook-deliveries", _purge_webhook_deliveries),
    Job("book-monthly-fees", _book_monthly_fees, schedule=MONTHLY_FEES_CRON),
    Job("issue-documents", _issue_documents, schedule=DOCUMENTS_CRON),
    Job("payout-run", _run_payouts, schedule=PAYOUT_DAYS),
    Job(SYNC_INDEX, _sync_index),
)


def job_named(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(f"no job named {name!r}; the jobs are {', '.join(job.name for job in JOBS)}")


async def run_job(job: Job, context: JobContext) -> set[str]:
    """Runs `job` once and returns the jobs it calls for: `send-mail` when it queued mail, so that mail leaves
    now rather than at the next sweep, `send-webhooks` when it recorded webhook events, `send-refunds` when it
    booked a refund, and `sync-index` when it marked variants for search."""
    mail, mail_token = watch_queued()
    marks, marks_token = watch_marks()
    events, events_token = watch_recorded()
    refunds, refunds_token = watch_booked()
    try:
        await job.perform(context)
    finally:
        stop_watching_mail(mail_token)
        stop_watching_search(marks_token)
        stop_watching_webhooks(events_token)
        stop_watching_refunds(refunds_token)
    follow_ups = set()
    if mail.queued and job.name != SEND_MAIL:
        follow_ups.add(SEND_MAIL)
    if events.recorded and job.name != SEND_WEBHOOKS:
        follow_ups.add(SEND_WEBHOOKS)
    if refunds.booked and job.name != SEND_REFUNDS:
        follow_ups.add(SEND_REFUNDS)
    if marks.written and job.name != SYNC_INDEX:
        follow_ups.add(SYNC_INDEX)
    return follow_ups


class Waker(Protocol):
    """Asks for a job to run now: the embedded runner of this process, or the job queue's workers."""

    async def wake(self, job_name: str) -> None: ...
