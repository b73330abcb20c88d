"""The domain's one "not found" (storefront.errors.NotFound) is the HTML 404 page on every route, and only it:
a bug that raises another LookupError (a KeyError, an IndexError) is a 500 that gets logged, not a quiet 404."""
from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from storefront.errors import NotFound
from storefront.moderation import review_reports as moderation


async def test_a_missing_object_is_the_404_page(client: AsyncTestClient) -> None:
    response = await client.get("/reviews/999999999/report")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "We could not find that page" in response.text


@pytest.mark.parametrize("bug", [KeyError("author_name"), IndexError("list index out of range")])
async def test_a_lookup_bug_is_a_500_not_a_404(client: AsyncTestClient, monkeypatch: pytest.MonkeyPatch,
                                               bug: LookupError) -> None:
    async def broken(review_id: int) -> dict:
        raise bug

    monkeypatch.setattr(moderation, "published_review", broken)
    response = await client.get("/reviews/1/report")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text


async def test_not_found_raised_anywhere_is_the_404_page(client: AsyncTestClient,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    async def gone(review_id: int) -> dict:
        raise NotFound(review_id)

    monkeypatch.setattr(moderation, "published_review", gone)
    response = await client.get("/reviews/1/report")
    assert response.status_code == 404
    assert "We could not find that page" in response.text
