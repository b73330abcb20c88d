"""What the Meilisearch backend sends, checked against a small stand-in server (no Meilisearch needed).

The stand-in records every request and answers like Meilisearch: writes return task objects, tasks
succeed (or fail, when told to), searches return canned hits and facet distributions.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from search_index import SearchQuery, SearchTaskFailed, SearchUnavailable
from search_index.backends.meili import MeiliBackend, filter_clauses
from search_index.index_settings import MEILI_SETTINGS
from tests.integration.search_builders import product_document

PREFIX = "encore_test"
INDEX = "/indexes/encore_test_products"
STAGING = "/indexes/encore_test_products_rebuild"
ALL_FACETS = ["category_slugs", "brand_slug", "storage", "color", "grades"]
IPHONE = product_document(1, "Apple", "iPhone 13", offers={"good": (42000, 0.8)}, rating=4.0)
PIXEL = product_document(2, "Google", "Pixel 7", offers={"fair": (23000, 0.5)})
GALAXY = product_document(3, "Samsung", "Galaxy S21", offers={"good": (31000, 0.66)}, storage="256 GB",
                          keywords="Phones 5G")


@dataclass
class Recorded:
    method: str
    path: str  # with its query string
    body: Any
    task_uid: int | None = None  # the task a write created


@dataclass
class FakeMeilisearch:
    """State and answers of the stand-in server."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    indexes: dict[str, str] = field(default_factory=dict)  # uid -> primary key
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    failing_task_types: set[str] = field(default_factory=set)
    broken: bool = False  # answer 500 to everything
    delay: float = 0.0
    hits: list[dict[str, Any]] = field(default_factory=list)
    facet_distribution: dict[str, dict[str, int]] = field(default_factory=dict)
    count_hits: int = 0  # totalHits of the queries asking no hits

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET" and r.path != "/multi-search"]

    def searches(self) -> list[dict[str, Any]]:
        [request] = [r for r in self.requests if r.path == "/multi-search"]
        return request.body["queries"]

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        self.requests.append(Recorded(method, path, body))
        time.sleep(self.delay)
        if self.broken:
            return 500, {"message": "internal", "code": "internal", "type": "internal", "link": ""}
        route = urlsplit(path).path
        parts = route.strip("/").split("/")
        if route == "/health":
            return 200, {"status": "available"}
        if method == "GET" and parts[0] == "tasks":
            return 200, self.tasks[int(parts[1])]
        if method == "GET" and parts[0] == "indexes" and len(parts) == 2:
            if parts[1] not in self.indexes:
                return 404, {"message": f"Index `{parts[1]}` not found.", "code": "index_not_found",
                             "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#index_not_found"}
            return 200, {"uid": parts[1], "primaryKey": self.indexes[parts[1]],
                         "createdAt": "2024-01-01T00:00:00.000000Z", "updatedAt": "2024-01-01T00:00:00.000000Z"}
        if route == "/multi-search":
            return 200, {"results": [self._search(query) for query in body["queries"]]}
        return 202, self._task(method, parts, body)

    def _task(self, method: str, parts: list[str], body: Any) -> dict[str, Any]:
        if parts == ["indexes"]:
            kind, uid = "indexCreation", body["uid"]
            self.indexes[uid] = body.get("primaryKey")
        elif parts == ["swap-indexes"]:
            kind, uid = "indexSwap", None
        elif method == "DELETE":
            kind, uid = "indexDeletion", parts[1]
            self.indexes.pop(uid, None)
        elif parts[2:] == ["settings"]:
            kind, uid = "settingsUpdate", parts[1]
        elif parts[2:] == ["documents", "delete"]:
            kind, uid = "documentDeletion", parts[1]
        else:
            kind, uid = "documentAdditionOrUpdate", parts[1]
        task_uid = len(self.tasks)
        self.requests[-1].task_uid = task_uid
        failed = kind in self.failing_task_types
        self.tasks[task_uid] = {
            "uid": task_uid, "indexUid": uid, "status": "failed" if failed else "succeeded", "type": kind,
            "enqueuedAt": "2024-01-01T00:00:00.000000Z",
            "error": {"message": "Document doesn't have a `id` attribute", "code": "missing_document_id",
                      "type": "invalid_request", "link": ""} if failed else None,
        }
        return {"taskUid": task_uid, "indexUid": uid, "status": "enqueued", "type": kind,
                "enqueuedAt": "2024-01-01T00:00:00.000000Z"}

    def _search(self, query: dict[str, Any]) -> dict[str, Any]:
        per_page = query.get("hitsPerPage", 20)
        total = len(self.hits) if per_page else self.count_hits
        return {
            "indexUid": query["indexUid"], "query": query.get("q", ""), "processingTimeMs": 0,
            "hits": self.hits[:per_page], "page": query.get("page", 1), "hitsPerPage": per_page,
            "totalHits": total, "totalPages": -(-total // per_page) if per_page else 0,
            **({"facetDistribution": {f: self.facet_distribution.get(f, {}) for f in query["facets"]}}
               if "facets" in query else {}),
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _respond(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        status, answer = self.server.fake.answer(self.command, self.path, body)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = _respond

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeMeilisearch


@pytest.fixture
def fake() -> Iterator[FakeMeilisearch]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeMeilisearch()
    server.fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield server.fake
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def backend(fake: FakeMeilisearch) -> MeiliBackend:
    return MeiliBackend(fake.url, "master-key", index_prefix=PREFIX)


def _calls(fake: FakeMeilisearch) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


def _assert_each_write_waited(fake: FakeMeilisearch) -> None:
    """Every task is polled, and before the next write is sent."""
    position = {id(r): n for n, r in enumerate(fake.requests)}
    writes = fake.writes()
    for write, following in zip(writes, [*writes[1:], None], strict=True):
        polls = [n for n, r in enumerate(fake.requests) if (r.method, r.path) == ("GET", f"/tasks/{write.task_uid}")]
        assert polls, f"the task of {write.method} {write.path} was never awaited"
        assert position[id(write)] < polls[0]
        assert following is None or polls[0] < position[id(following)]


# Settings and writes

def test_configure_creates_the_index_and_patches_the_settings_data(fake: FakeMeilisearch,
                                                                    backend: MeiliBackend) -> None:
    backend.configure()
    assert _calls(fake) == [("GET", INDEX), ("POST", "/indexes"), ("GET", "/tasks/0"),
                            ("PATCH", f"{INDEX}/settings"), ("GET", "/tasks/1")]
    assert fake.requests[1].body == {"uid": "encore_test_products", "primaryKey": "id"}
    assert fake.requests[3].body == MEILI_SETTINGS


def test_configure_again_only_patches_the_settings(fake: FakeMeilisearch, backend: MeiliBackend) -> None:
    backend.configure()
    fake.requests.clear()
    backend.configure()
    assert [(r.method, r.path) for r in fake.writes()] == [("PATCH", f"{INDEX}/settings")]


def test_upsert_posts_documents_with_the_primary_key_and_waits(fake: FakeMeilisearch,
                                                                backend: MeiliBackend) -> None:
    backend.configure()
    backend.upsert([IPHONE, PIXEL])
    [*_, documents] = fake.writes()
    assert (documents.method, documents.path) == ("POST", f"{INDEX}/documents?primaryKey=id")
    assert documents.body == [{**IPHONE, "word_parts": ""}, {**PIXEL, "word_parts": ""}]
    _assert_each_write_waited(fake)


def test_settings_search_the_word_parts_and_expand_abbreviations(fake: FakeMeilisearch,
                                                                 backend: MeiliBackend) -> None:
    backend.configure()
    settings = fake.requests[3].body
    assert settings["searchableAttributes"] == ["title", "model", "brand", "category", "keywords", "word_parts"]
    assert settings["synonyms"] == {
        "ps5": ["playstation 5"], "ps4": ["playstation 4"], "mba": ["macbook air"], "mbp": ["macbook pro"],
        "xsx": ["xbox series x"], "xss": ["xbox series s"],
    }
    assert "word_parts" not in settings["displayedAttributes"]


def test_documents_carry_the_parts_of_words_mixing_letters_and_digits(fake: FakeMeilisearch,
                                                                      backend: MeiliBackend) -> None:
    backend.upsert([GALAXY])
    [documents] = fake.writes()
    assert documents.body == [{**GALAXY, "word_parts": "s 21 5 g"}]


def test_replace_all_applies_settings_before_documents_then_swaps(fake: FakeMeilisearch,
                                                                   backend: MeiliBackend) -> None:
    backend.configure()
    fake.requests.clear()
    assert backend.replace_all([IPHONE, PIXEL]) == 2
    assert [(r.method, r.path) for r in fake.writes()] == [
        ("POST", "/indexes"),
        ("PATCH", f"{STAGING}/settings"),
        ("POST", f"{STAGING}/documents?primaryKey=id"),
        ("POST", "/swap-indexes"),
        ("DELETE", STAGING),
    ]
    writes = fake.writes()
    assert writes[0].body == {"uid": "encore_test_products_rebuild", "primaryKey": "id"}
    assert writes[1].body == MEILI_SETTINGS
    assert writes[3].body == [{"indexes": ["encore_test_products", "encore_test_products_rebuild"]}]
    _assert_each_write_waited(fake)


def test_delete_filters_on_ids(fake: FakeMeilisearch, backend: MeiliBackend) -> None:
    backend.delete([3, 4])
    [delete] = fake.writes()
    assert (delete.path, delete.body) == (f"{INDEX}/documents/delete", {"filter": "id IN [3, 4]"})
    _assert_each_write_waited(fake)


def test_a_failed_task_raises_with_its_error(fake: FakeMeilisearch, backend: MeiliBackend) -> None:
    fake.failing_task_types.add("documentAdditionOrUpdate")
    with pytest.raises(SearchTaskFailed, match="doesn't have") as failure:
        backend.upsert([IPHONE])
    assert failure.value.error["code"] == "missing_document_id"


# Filters and sorts

def test_hostile_values_stay_quoted_strings() -> None:
    query = SearchQuery(brands=('a" OR brand_slug = "b', "x) OR (1=1"), storages=("apple AND samsung",),
                        colors=("back\\slash",), category='phones" OR "1')
    assert filter_clauses(query) == [
        r'category_slugs = "phones\" OR \"1"',
        r'brand_slug IN ["a\" OR brand_slug = \"b", "x) OR (1=1"]',
        r'storage IN ["apple AND samsung"]',
        r'color IN ["back\\slash"]',
    ]


def test_grade_and_price_filter_that_grades_price() -> None:
    query = SearchQuery(category="phones", grade="good", price_min=10000, price_max=20000)
    assert filter_clauses(query) == ['category_slugs = "phones"', 'grades = "good"', "price_good >= 10000",
                                     "price_good <= 20000"]


@pytest.mark.parametrize(("query", "sort"), [
    (SearchQuery(), ["score:desc", "id:asc"]),
    (SearchQuery(grade="fair"), ["score_fair:desc", "id:asc"]),
    (SearchQuery(sort="price_asc"), ["price:asc", "id:asc"]),
    (SearchQuery(sort="price_desc", grade="premium"), ["price_premium:desc", "id:asc"]),
    (SearchQuery(sort="rating"), ["rating:desc", "rating_count:desc", "id:asc"]),
])
def test_sort_strings(fake: FakeMeilisearch, backend: MeiliBackend, query: SearchQuery, sort: list[str]) -> None:
    backend.search(query)
    assert fake.searches()[0]["sort"] == sort


# Searching

def test_one_query_without_selections_asks_every_facet_and_an_exact_total(fake: FakeMeilisearch,
                                                                           backend: MeiliBackend) -> None:
    backend.search(SearchQuery(text="  iPhone-13 ", page=2, per_page=10))
    assert fake.searches() == [{
        "indexUid": "encore_test_products", "q": "iphone 13", "matchingStrategy": "all",
        "sort": ["score:desc", "id:asc"], "page": 2, "hitsPerPage": 10, "facets": ALL_FACETS,
    }]


@pytest.mark.parametrize(("text", "q"), [
    ("Galaxy S21 256GB", "galaxy s 21 256 gb"),
    ("iphone13", "iphone 13"),
    ("PS5", "ps5"),  # whole, so that the synonyms setting expands it
])
def test_the_text_is_sent_as_split_words(fake: FakeMeilisearch, backend: MeiliBackend, text: str, q: str) -> None:
    backend.search(SearchQuery(text=text))
    assert fake.searches()[0]["q"] == q


def test_each_selected_facet_is_counted_without_its_own_selection(fake: FakeMeilisearch,
                                                                   backend: MeiliBackend) -> None:
    backend.search(SearchQuery(brands=("apple",), colors=("Blue", "Black"), grade="good"))
    main, brand, color, grade = fake.searches()
    assert main["filter"] == ['brand_slug IN ["apple"]', 'color IN ["Blue", "Black"]', 'grades = "good"']
    assert main["facets"] == ["category_slugs", "storage"]
    assert (brand["filter"], brand["facets"]) == (['color IN ["Blue", "Black"]', 'grades = "good"'], ["brand_slug"])
    assert (color["filter"], color["facets"]) == (['brand_slug IN ["apple"]', 'grades = "good"'], ["color"])
    assert (grade["filter"], grade["facets"]) == (['brand_slug IN ["apple"]', 'color IN ["Blue", "Black"]'],
                                                  ["grades"])
    assert {(q["page"], q["hitsPerPage"]) for q in (brand, color, grade)} == {(1, 0)}


def test_a_price_range_counts_each_grade_on_its_own_price(fake: FakeMeilisearch, backend: MeiliBackend) -> None:
    backend.search(SearchQuery(brands=("apple",), price_min=10000))
    main, brand, *grades = fake.searches()
    assert main["filter"] == ['brand_slug IN ["apple"]', "price >= 10000"]
    assert brand["filter"] == ["price >= 10000"]
    assert [q["filter"] for q in grades] == [
        ['brand_slug IN ["apple"]', f'grades = "{g}"', f"price_{g} >= 10000"]
        for g in ("premium", "excellent", "good", "fair")
    ]
    assert all("facets" not in q and q["hitsPerPage"] == 0 for q in grades)


def test_the_response_becomes_a_result(fake: FakeMeilisearch, backend: MeiliBackend) -> None:
    fake.hits = [{**IPHONE, "rating": 4}]  # JSON may bring 4.0 back as 4
    fake.facet_distribution = {"brand_slug": {"apple": 1, "google": 1}, "storage": {"": 1, "128 GB": 1}}
    fake.count_hits = 1
    result = backend.search(SearchQuery(brands=("apple",), price_max=50000))
    assert result.hits == [IPHONE] and isinstance(result.hits[0]["rating"], float)
    assert result.total == 1
    assert result.facets["brand"] == {"apple": 1, "google": 1}
    assert result.facets["storage"] == {"128 GB": 1}
    assert result.facets["grade"] == {"premium": 1, "excellent": 1, "good": 1, "fair": 1}


def test_an_unknown_grade_finds_nothing_without_asking(fake: FakeMeilisearch, backend: MeiliBackend) -> None:
    assert backend.search(SearchQuery(grade='good" OR "1')).total == 0
    assert fake.requests == []


# Failures

def test_a_server_error_makes_search_unavailable(fake: FakeMeilisearch, backend: MeiliBackend) -> None:
    fake.broken = True
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery())
    with pytest.raises(SearchUnavailable):
        backend.upsert([IPHONE])
    assert not backend.health()


def test_a_refused_connection_makes_search_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = MeiliBackend(f"http://127.0.0.1:{port}", None, index_prefix=PREFIX)
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="iphone"))
    with pytest.raises(SearchUnavailable):
        backend.configure()
    assert not backend.health()


def test_a_slow_server_times_out_as_unavailable(fake: FakeMeilisearch) -> None:
    fake.delay = 0.5
    backend = MeiliBackend(fake.url, None, index_prefix=PREFIX, timeout=0.1)
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery())


def test_health_needs_the_index(fake: FakeMeilisearch, backend: MeiliBackend) -> None:
    assert not backend.health()
    backend.configure()
    assert backend.health()
