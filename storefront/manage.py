"""Operator commands: `python -m storefront.manage COMMAND`; `--help` lists them.

`prepare` is what `make run` does: migrate, load the demo catalogue into an empty database, and build
the search index when it is missing. Run twice, it reuses what exists and returns in a moment. It and `seed`
belong to the demo store (ENCORE_ENV=demo): the demo accounts' passwords are published in the README, so
production refuses them. In production `migrate` is the release step; the app never migrates at start.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import time

from storefront.settings import SettingsError, get_settings

log = logging.getLogger("storefront.manage")


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all", migration_id="all")
    if not result.success:
        raise SystemExit(f"migrations failed: {result.message}")
    settings = get_settings()
    if settings.job_queue == "procrastinate":
        from storefront.jobs.queue import apply_schema, queue_app

        async with queue_app(settings, pool_size=1).open_async() as queue:
            if await apply_schema(queue):
                log.info("job queue schema applied")


def job_context():
    """The context the jobs run with in this process: the settings, and the search outbox drain."""
    from search_index.drain import OutboxDrainer
    from search_index.service import backend_from_settings
    from storefront.jobs.registry import JobContext

    settings = get_settings()
    return JobContext(settings, OutboxDrainer(backend_from_settings(settings), settings.ranking).drain)


async def run_job(name: str) -> None:
    """One job now, then what it calls for (the mail it queued, the variants it marked for search)."""
    from storefront.jobs.registry import job_named
    from storefront.jobs.registry import run_job as run

    context = job_context()
    waiting = [name]
    while waiting:
        job = job_named(waiting.pop(0))
        follow_ups = await run(job, context)
        print(f"ran {job.name}")
        waiting += sorted(follow_ups - set(waiting))


async def worker() -> None:
    """A job queue worker (JOB_QUEUE=procrastinate): takes the store's jobs until SIGINT or SIGTERM."""
    from storefront.jobs.queue import queue_app, register_jobs, run_worker
    from storefront.jobs.registry import JOBS

    settings = get_settings()
    if settings.job_queue != "procrastinate":
        raise SystemExit("JOB_QUEUE is not procrastinate: the jobs run inside the store, no worker is needed")
    queue = queue_app(settings)
    register_jobs(queue, JOBS, job_context())
    async with queue.open_async():
        await run_worker(queue)


async def seed(offers: int) -> bool:
    from storefront.demo.accounts import load_demo_accounts
    from storefront.demo.catalogue_requests import load_demo_requests
    from storefront.demo.generate import generate
    from storefront.demo.history import load_demo_history
    from storefront.demo.load import is_empty, load

    if not await is_empty():
        return False
    catalogue = generate(offers=offers)
    await load(catalogue)
    await load_demo_accounts(catalogue)
    await load_demo_requests(catalogue)
    history = await load_demo_history(catalogue, get_settings())
    log.info("demo history: %d orders, %d delivered, %d claims, %d reviews", history.orders, history.delivered,
             history.claims, history.reviews)
    from storefront.demo.tradein import load_demo_trade_ins

    # The first two established sellers also buy devices: their sales cover what they pay people.
    refurbishers = [seller["id"] for seller in catalogue.sellers if seller["status"] == "referenced"][:2]
    log.info("demo trade-ins: %d", await load_demo_trade_ins(refurbishers, get_settings()))
    return True


async def rebuild_index() -> int:
    from search_index import build
    from search_index.service import backend_from_settings

    settings = get_settings()
    return await build.rebuild(backend_from_settings(settings), settings.ranking)


async def sync_index() -> int:
    from search_index.drain import OutboxDrainer
    from search_index.service import backend_from_settings

    settings = get_settings()
    return await OutboxDrainer(backend_from_settings(settings), settings.ranking).drain()


async def prepare(offers: int) -> None:
    from search_index.service import backend_from_settings

    started = time.perf_counter()
    await migrate()
    seeded = await seed(offers)
    backend = backend_from_settings(get_settings())
    if seeded or not backend.health():
        count = await rebuild_index()
        log.info("search index built: %d products", count)
    else:
        await sync_index()
    log.info("ready in %.1f s", time.perf_counter() - started)


async def active_recipients() -> None:
    from storefront.audience.service import published_average, roll_up

    for month, recipients in await roll_up():
        print(f"{month}: {recipients} active recipients counted; the month's marks and key are deleted")
    publication = await published_average()
    if publication is None:
        print("no complete month counted yet: nothing to publish")
        return
    months = ", ".join(f"{month} {recipients}" for month, recipients in publication.months)
    print(f"average monthly active recipients {publication.period_start} to {publication.period_end}: "
          f"{publication.average} ({months})")


def _jobs():
    from storefront.jobs.registry import JOBS

    return JOBS


DEMO_ONLY = ("prepare", "seed")


def _date(raw: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date such as 2026-12-06, not {raw!r}") from None


async def payout_run(run_on) -> None:
    import datetime as dt

    from storefront.payments.payouts import run_payouts
    from storefront.units import money

    run_on = run_on or dt.datetime.now(dt.UTC).date()
    run = await run_payouts(get_settings(), run_on)
    if run is None:
        print(f"the payout run of {run_on} was already made: nothing paid")
        return
    print(f"payout run {run_on}: {len(run.paid)} sellers paid {money(run.total_cents)}, {len(run.held)} held")
    for line in run.held:
        print(f"  held: seller {line.seller_id} {line.name}, balance {money(line.amount_cents)}")
    if run.file:
        print(f"SEPA credit transfer file (pain.001, validated): {run.file}")


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="storefront.manage")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="migrate, seed an empty database, build a missing index")
    p.add_argument("--offers", type=int, default=3_000)
    sub.add_parser("migrate")
    s = sub.add_parser("seed", help="load the demo catalogue into an empty database")
    s.add_argument("--offers", type=int, default=3_000)
    sub.add_parser("rebuild-index", help="rebuild the whole search index from the database")
    sub.add_parser("sync-index", help="reindex what the search outbox holds")
    sub.add_parser("send-review-invitations", help="e-mail the review invitations that are due")
    sub.add_parser("active-recipients", help="count the complete months of active recipients (DSA Art. 24(2)) "
                                             "and print the published average")
    sub.add_parser("apply-terminations", help="dereference the sellers whose notice period has ended")
    sub.add_parser("expire-unpaid-orders", help="cancel the orders not paid in time and put their stock back on sale")
    sub.add_parser("send-mail", help="send the e-mail waiting in the outbox (needs SMTP_HOST)")
    r = sub.add_parser("run-job", help="run one of the scheduled jobs now")
    r.add_argument("job", choices=[job.name for job in _jobs()])
    sub.add_parser("worker", help="take the store's jobs from the job queue (JOB_QUEUE=procrastinate)")
    pr = sub.add_parser("payout-run", help="pay the sellers' payable balances by a SEPA transfer file (pain.001), "
                                           "once per date")
    pr.add_argument("--date", type=_date, default=None, help="the run's date, YYYY-MM-DD (default: today, UTC)")
    sub.add_parser("book-monthly-fees", help="book this month's flat fee of every referenced seller (once a month)")
    sub.add_parser("purge-abandoned-carts", help="delete anonymous carts and sessions unused for CART_ABANDONED_DAYS")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        settings.refuse_unsafe_production()
    except SettingsError as refused:
        raise SystemExit(str(refused)) from None
    if args.command in DEMO_ONLY and not settings.is_demo:
        raise SystemExit(f"`{args.command}` loads the demo store, whose accounts have published passwords: it runs "
                         "only with ENCORE_ENV=demo. In production run `migrate`, then `rebuild-index`.")

    async def run() -> None:
        from storefront.app import close_database, open_database

        await open_database()
        try:
            if args.command == "prepare":
                await prepare(args.offers)
            elif args.command == "migrate":
                await migrate()
            elif args.command == "seed":
                print("loaded" if await seed(args.offers) else "database not empty: nothing loaded")
            elif args.command == "rebuild-index":
                print(f"indexed {await rebuild_index()} products")
            elif args.command == "sync-index":
                print(f"reindexed {await sync_index()} products")
            elif args.command == "send-review-invitations":
                from storefront.reviews.invitations import send_due_invitations

                print(f"sent {await send_due_invitations(get_settings())} review invitations")
            elif args.command == "active-recipients":
                await active_recipients()
            elif args.command == "apply-terminations":
                from storefront.moderation.referencing import apply_due_terminations

                print(f"dereferenced {await apply_due_terminations()} sellers at the end of their notice")
                print(f"reindexed {await sync_index()} products")
            elif args.command == "expire-unpaid-orders":
                from storefront.orders.transitions import expire_unpaid_orders

                print(f"expired {await expire_unpaid_orders(get_settings())} unpaid orders")
                print(f"reindexed {await sync_index()} products")
            elif args.command == "send-mail":
                from storefront.mail.outbox import deliver_pending

                print(f"sent {await deliver_pending(get_settings())} e-mails")
            elif args.command == "run-job":
                await run_job(args.job)
            elif args.command == "worker":
                await worker()
            elif args.command == "payout-run":
                await payout_run(args.date)
            elif args.command == "book-monthly-fees":
                from storefront.payments.monthly_fees import book_monthly_fees

                print(f"booked {await book_monthly_fees(get_settings())} monthly fees")
            elif args.command == "purge-abandoned-carts":
                from storefront.cart.abandoned import purge_abandoned_carts

                print(f"deleted {await purge_abandoned_carts(get_settings())} abandoned carts")
        finally:
            await close_database()

    asyncio.run(run())


if __name__ == "__main__":
    main()
