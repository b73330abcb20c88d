"""Counting active recipients (DSA Art. 24(2)) through HTTP: who counts, once per month, written by the flush
and never by the request, rolled up into a monthly figure, averaged over six months, and the command.

Each test places its visits in a past month of its own (the buffer's clock), so the figures are exact
whatever else the session's database holds.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.audience.buffer import RecipientBuffer
from storefront.audience.service import count_month, flush, published_average, roll_up
from storefront.audience.tables import ActiveRecipientMark, AudienceSalt, MonthlyActiveRecipients
from storefront.settings import Settings
from storefront.web import csrf
from storefront.web.audience import is_robot
from storefront.web.viewer import Viewer
from tests.conftest import store_environment
from tests.integration.commerce import make_account, offer_in_stock, sign_in

ROOT = Path(__file__).resolve().parents[2]
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def browser(user_agent: str, language: str = "fr-FR,fr;q=0.9") -> dict[str, str]:
    return {"User-Agent": user_agent, "Accept-Language": language}


def mid_month(year: int, month: int) -> float:
    return float(calendar.timegm((year, month, 15, 12, 0, 0)))


@pytest.fixture
async def app(prepared_store: Settings, backend) -> AsyncIterator[Litestar]:
    # No background flush and no scheduled roll-up: the tests flush and roll up when they mean to.
    yield create_app(dataclasses.replace(prepared_store, active_recipients_flush_seconds=0, jobs_interval_seconds=0),
                     backend)


def buffer_of(app: Litestar, year: int, month: int) -> RecipientBuffer:
    buffer: RecipientBuffer = app.state.active_recipients
    buffer.clock = lambda: mid_month(year, month)
    return buffer


async def test_a_month_counts_each_person_once_and_leaves_out_robots_assets_fragments_and_errors(
        app: Litestar, prepared_store: Settings) -> None:
    buffer = buffer_of(app, 2001, 3)
    signs_in_later = await make_account(name="Later Signed")
    two_devices = await make_account(name="Two Devices")
    only_posts = await make_account(name="Only Posts")
    offer = await offer_in_stock()
    anonymous_token = csrf.issue(prepared_store.secret_key, Viewer())
    async with AsyncTestClient(app=app) as client:
        # One visitor, three pages: one recipient.
        for path in ("/", "/search?q=ipad", "/"):
            assert (await client.get(path, headers=browser(FIREFOX))).status_code == 200
        # Another browser, and the same browser with other languages: two more.
        assert (await client.get("/c/laptops", headers=browser(CHROME))).status_code == 200
        assert (await client.get("/", headers=browser(FIREFOX, "de-DE"))).status_code == 200
        # Not recipients: robots, a request without User-Agent, assets, a fragment, an error page.
        await client.get("/", headers=browser(GOOGLEBOT))
        await client.get("/", headers={"User-Agent": ""})
        assert (await client.get("/static/css/encore.css", headers=browser(SAFARI))).status_code == 200
        assert (await client.get("/media/variant/1.svg", headers=browser(SAFARI))).status_code == 200
        fragment = await client.get("/search?q=ipad", headers={**browser(SAFARI), "HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert (await client.get("/p/no-such-product", headers=browser(SAFARI))).status_code == 404
        # Browses anonymously, then signs in on the same device: one person.
        late = browser(SAFARI, "en-GB")
        assert (await client.get("/", headers=late)).status_code == 200
        await sign_in(client, signs_in_later["id"])
        assert (await client.get("/search?q=ipad", headers=late)).status_code == 200
        client.cookies.clear()
        # One account on a phone and on a laptop: one person.
        for device in (browser(SAFARI, "it-IT"), browser(CHROME, "it-IT")):
            await sign_in(client, two_devices["id"])
            assert (await client.get("/", headers=device)).status_code == 200
            client.cookies.clear()
        # A signed-in person who only posts, without any page of theirs counted: one person.
        await sign_in(client, only_posts["id"])
        posted = await client.post("/cart/add", headers=browser(FIREFOX, "nl-NL"), follow_redirects=False,
                                   data={"offer_id": offer["id"], "_csrf": anonymous_token})
        assert posted.status_code == 303
        client.cookies.clear()
        # The same post without an account counts for nothing by itself.
        anonymous = await client.post("/cart/add", headers=browser(FIREFOX, "pt-PT"), follow_redirects=False,
                                      data={"offer_id": offer["id"], "_csrf": anonymous_token})
        assert anonymous.status_code == 303
        client.cookies.clear()
        await flush(buffer)
    assert await count_month("2001-03") == 6


async def test_a_page_request_writes_nothing_the_flush_writes_one_mark(app: Litestar) -> None:
    buffer = buffer_of(app, 2001, 4)
    tables = (ActiveRecipientMark, AudienceSalt)
    async with AsyncTestClient(app=app) as client:
        before = [await table.count() for table in tables]
        for path in ("/", "/c/laptops", "/search?q=galaxy"):
            response = await client.get(path, headers=browser(CHROME, "es-ES"))
            assert response.status_code == 200
            assert "set-cookie" not in response.headers
            assert [await table.count() for table in tables] == before, path
        assert len(buffer) == 1
        await flush(buffer)
        assert [await table.count() for table in tables] == [before[0] + 1, before[1] + 1]
    assert len(buffer) == 0


async def test_marks_hold_no_address_browser_or_account(app: Litestar) -> None:
    buffer = buffer_of(app, 2001, 5)
    account = await make_account(name="Private Person")
    async with AsyncTestClient(app=app) as client:
        await sign_in(client, account["id"])
        assert (await client.get("/", headers=browser(FIREFOX, "sv-SE"))).status_code == 200
        await flush(buffer)
    marks = await ActiveRecipientMark.select().where(ActiveRecipientMark.month == "2001-05")
    assert len(marks) == 1
    stored = " ".join(str(value) for value in marks[0].values())
    for personal in ("testclient", "Firefox", "sv-SE", f" {account['id']} "):
        assert personal not in f" {stored} "
    assert len(marks[0]["person_hash"]) == len(marks[0]["visitor_hash"]) == 32


async def test_roll_up_keeps_the_figure_and_deletes_the_months_marks_and_key(app: Litestar) -> None:
    buffer = buffer_of(app, 2002, 5)
    async with AsyncTestClient(app=app) as client:
        for user_agent in (FIREFOX, CHROME, SAFARI):
            assert (await client.get("/", headers=browser(user_agent, "pl-PL"))).status_code == 200
        await flush(buffer)
        buffer.clock = lambda: mid_month(2002, 6)
        assert (await client.get("/", headers=browser(FIREFOX, "pl-PL"))).status_code == 200
        await flush(buffer)

    def marks_of(month: str):
        return ActiveRecipientMark.count().where(ActiveRecipientMark.month == month)

    assert await marks_of("2002-05") == 3
    # Half an hour into June, May waits: a worker may still be writing its last marks.
    assert ("2002-05", 3) not in await roll_up(dt.datetime(2002, 6, 1, 0, 30, tzinfo=dt.UTC))
    assert await marks_of("2002-05") == 3

    assert ("2002-05", 3) in await roll_up(dt.datetime(2002, 6, 2, tzinfo=dt.UTC))
    figure = await MonthlyActiveRecipients.select().where(MonthlyActiveRecipients.month == "2002-05").first()
    assert figure["recipients"] == 3
    assert await marks_of("2002-05") == 0
    assert not await AudienceSalt.exists().where(AudienceSalt.month == "2002-05")
    # The month still running keeps its marks and key.
    assert await marks_of("2002-06") == 1
    assert await AudienceSalt.exists().where(AudienceSalt.month == "2002-06")

    # Running it again counts nothing twice and changes nothing.
    assert ("2002-05", 3) not in await roll_up(dt.datetime(2002, 6, 3, tzinfo=dt.UTC))
    assert await MonthlyActiveRecipients.count().where(MonthlyActiveRecipients.month == "2002-05") == 1


async def test_visits_flushed_after_their_month_was_counted_are_dropped(app: Litestar) -> None:
    await MonthlyActiveRecipients.insert(MonthlyActiveRecipients(
        month="2002-09", recipients=40, computed_at=dt.datetime.now(dt.UTC)))
    buffer = buffer_of(app, 2002, 9)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/", headers=browser(SAFARI, "fi-FI"))).status_code == 200
        await flush(buffer)
    assert await ActiveRecipientMark.count().where(ActiveRecipientMark.month == "2002-09") == 0
    assert not await AudienceSalt.exists().where(AudienceSalt.month == "2002-09")
    figure = await MonthlyActiveRecipients.select().where(MonthlyActiveRecipients.month == "2002-09").first()
    assert figure["recipients"] == 40


@pytest.fixture
def figures(prepared_store: Settings) -> Callable[[str, int], Awaitable[None]]:
    async def record(month: str, recipients: int) -> None:
        await MonthlyActiveRecipients.insert(MonthlyActiveRecipients(
            month=month, recipients=recipients, computed_at=dt.datetime.now(dt.UTC)))

    return record


async def test_published_average_is_over_the_six_complete_months_before_this_one(figures) -> None:
    await figures("1995-01", 1_000)  # seven months back: outside the window
    for month, recipients in (("1995-02", 10), ("1995-03", 11), ("1995-04", 10), ("1995-05", 11),
                              ("1995-06", 10), ("1995-07", 11)):
        await figures(month, recipients)
    await figures("1995-08", 1_000)  # the month still running: outside the window

    publication = await published_average(dt.datetime(1995, 8, 15, tzinfo=dt.UTC))
    assert publication is not None
    assert publication.average == 11  # 10.5 rounds half up (Python's round() would say 10)
    assert publication.months == (("1995-02", 10), ("1995-03", 11), ("1995-04", 10), ("1995-05", 11),
                                  ("1995-06", 10), ("1995-07", 11))
    assert (publication.period_start, publication.period_end) == (dt.date(1995, 2, 1), dt.date(1995, 7, 31))
    # The method says who is left out and that the figure is not limited to the Union.
    assert "crawlers" in publication.method and "counts every recipient wherever they are" in publication.method


async def test_published_average_with_fewer_months_says_which(figures) -> None:
    assert await published_average(dt.datetime(1996, 1, 20, tzinfo=dt.UTC)) is None
    await figures("1996-01", 5)
    await figures("1996-02", 6)
    publication = await published_average(dt.datetime(1996, 3, 10, tzinfo=dt.UTC))
    assert publication is not None
    assert publication.average == 6
    assert publication.months == (("1996-01", 5), ("1996-02", 6))
    assert (publication.period_start, publication.period_end) == (dt.date(1996, 1, 1), dt.date(1996, 2, 29))


async def test_the_command_counts_past_months_and_prints_the_average(app: Litestar, figures,
                                                                    prepared_store: Settings) -> None:
    buffer = buffer_of(app, 2003, 4)
    async with AsyncTestClient(app=app) as client:
        for language in ("ro-RO", "hu-HU"):
            assert (await client.get("/", headers=browser(CHROME, language))).status_code == 200
        await flush(buffer)
    today = dt.datetime.now(dt.UTC)
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    await figures(last_month, 1_234)

    result = subprocess.run([sys.executable, "-m", "storefront.manage", "active-recipients"], cwd=ROOT,
                            env=store_environment(prepared_store), capture_output=True, text=True, check=True)

    assert "2003-04: 2 active recipients counted" in result.stdout
    assert "average monthly active recipients" in result.stdout and ": 1234 (" in result.stdout
    assert await ActiveRecipientMark.count().where(ActiveRecipientMark.month == "2003-04") == 0


@pytest.mark.parametrize("user_agent", [FIREFOX, CHROME, SAFARI])
def test_browsers_are_people(user_agent: str) -> None:
    assert not is_robot(user_agent)


@pytest.mark.parametrize("user_agent", [
    "", GOOGLEBOT, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1", "curl/8.5.0", "python-httpx/0.28.1", "Wget/1.21",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
])
def test_robots_are_not(user_agent: str) -> None:
    assert is_robot(user_agent)


@pytest.mark.postgres
async def test_flush_count_and_roll_up_on_postgres(postgres_url: str) -> None:
    from tests.conftest import bind_store, unbind_store

    bound = bind_store(postgres_url)
    try:
        buffer = RecipientBuffer(clock=lambda: mid_month(2004, 2))
        buffer.note("192.0.2.1", FIREFOX, "fr", None)
        buffer.note("192.0.2.1", FIREFOX, "fr", 7)  # the same device once signed in
        buffer.note("192.0.2.2", CHROME, "fr", 7)  # the same person on another device
        buffer.note("192.0.2.3", SAFARI, "en", None)
        await flush(buffer)
        buffer.note("192.0.2.3", SAFARI, "en", None)  # a second worker flushing the same visitor
        await flush(buffer)
        assert await ActiveRecipientMark.count() == 4
        assert await count_month("2004-02") == 2
        assert await roll_up(dt.datetime(2004, 3, 5, tzinfo=dt.UTC)) == [("2004-02", 2)]
        assert await ActiveRecipientMark.count() == 0 and await AudienceSalt.count() == 0
        publication = await published_average(dt.datetime(2004, 3, 5, tzinfo=dt.UTC))
        assert publication is not None and publication.average == 2
    finally:
        unbind_store(bound)
