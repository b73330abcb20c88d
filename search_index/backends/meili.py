"""The Meilisearch backend, through the official SDK (`meilisearch.Client`).

- The index uid is f"{index_prefix}_products"; the prefix names the environment.
- Settings come from index_settings.MEILI_SETTINGS and are applied before any document; every write
  waits for its task, and a failed task raises SearchTaskFailed.
- A full rebuild fills a staging index and swaps it with the live one, so searches never see it half
  built.
- Each document is sent with `word_parts` (never displayed), so the split words of the query match; the
  query's text is `query.search_words` joined, and abbreviations expand through the `synonyms` setting.
- Filters are arrays of clauses (Meilisearch ANDs them). Every user value is a quoted string with
  backslash and double quote escaped; numbers are formatted from ints; field names come from code.
- One multi-search per results page: the page itself, plus one facet query per facet that has a
  selection (disjunctive counts), plus one count query per grade when a price range applies.
"""
from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import meilisearch
import requests
from meilisearch.errors import MeilisearchApiError, MeilisearchError
from meilisearch.models.task import TaskInfo

from search_index.backends import SearchTaskFailed, SearchUnavailable
from search_index.documents import ProductDocument, validate_document
from search_index.index_settings import (
    FACET_FIELDS,
    MEILI_SETTINGS,
    PRIMARY_KEY,
    SCORE_FIELDS,
    SEARCHABLE_ATTRIBUTES,
    WORD_PARTS_FIELD,
)
from search_index.query import (
    GRADES,
    SearchQuery,
    SearchResult,
    empty_facets,
    empty_result,
    price_field,
    score_field,
    word_parts,
)

REQUEST_TIMEOUT_SECONDS = 2
TASK_TIMEOUT_MS = 120_000
TASK_POLL_MS = 50
DOCUMENT_BATCH = 1_000
_FLOAT_FIELDS = (*SCORE_FIELDS, "rating")
_FACET_BY_FIELD = {field: facet for facet, field in FACET_FIELDS.items()}


def quote(value: str) -> str:
    """A filter string literal: `a" OR x = "b` stays one value, whatever it holds."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def price_clauses(field: str, query: SearchQuery) -> list[str]:
    clauses = []
    if query.price_min is not None:
        clauses.append(f"{field} >= {int(query.price_min)}")
    if query.price_max is not None:
        clauses.append(f"{field} <= {int(query.price_max)}")
    return clauses


def filter_clauses(query: SearchQuery, *, skip: Collection[str] = ()) -> list[str]:
    """The query's filters, one clause per facet (and per price bound), leaving out `skip`."""
    clauses = []
    if query.category and "category" not in skip:
        clauses.append(f"{FACET_FIELDS['category']} = {quote(query.category)}")
    for facet, values in (("brand", query.brands), ("storage", query.storages), ("color", query.colors)):
        if values and facet not in skip:
            clauses.append(f"{FACET_FIELDS[facet]} IN [{', '.join(quote(v) for v in values)}]")
    if query.grade and "grade" not in skip:
        clauses.append(f"{FACET_FIELDS['grade']} = {quote(query.grade)}")
    if "price" not in skip:
        clauses.extend(price_clauses(price_field(query.grade), query))
    return clauses


def sort_for(query: SearchQuery) -> list[str]:
    if query.sort == "price_asc":
        return [f"{price_field(query.grade)}:asc", "id:asc"]
    if query.sort == "price_desc":
        return [f"{price_field(query.grade)}:desc", "id:asc"]
    if query.sort == "rating":
        return ["rating:desc", "rating_count:desc", "id:asc"]
    return [f"{score_field(query.grade)}:desc", "id:asc"]


def search_requests(index_uid: str, query: SearchQuery) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The multi-search queries for one results page, and what each extra query counts:
    ("facet", facet name) reads its facetDistribution, ("grade", grade) reads its totalHits."""
    base = {"indexUid": index_uid, "q": " ".join(query.words), "matchingStrategy": "all"}

    def request(clauses: list[str], **params: Any) -> dict[str, Any]:
        return {**base, **({"filter": clauses} if clauses else {}), **params}

    counts_only = {"page": 1, "hitsPerPage": 0}
    extra: list[dict[str, Any]] = []
    reads: list[tuple[str, str]] = []
    shared_facets: list[str] = []
    selected = {"category": bool(query.category), "brand": bool(query.brands),
                "storage": bool(query.storages), "color": bool(query.colors)}
    for facet, is_selected in selected.items():
        if is_selected:
            extra.append(request(filter_clauses(query, skip={facet}), facets=[FACET_FIELDS[facet]],
                                 **counts_only))
            reads.append(("facet", facet))
        else:
            shared_facets.append(FACET_FIELDS[facet])
    if query.price_min is not None or query.price_max is not None:
        others = filter_clauses(query, skip={"grade", "price"})
        for grade in GRADES:
            clauses = [*others, f"{FACET_FIELDS['grade']} = {quote(grade)}",
                       *price_clauses(f"price_{grade}", query)]
            extra.append(request(clauses, **counts_only))
            reads.append(("grade", grade))
    elif query.grade:
        extra.append(request(filter_clauses(query, skip={"grade"}), facets=[FACET_FIELDS["grade"]],
                             **counts_only))
        reads.append(("facet", "grade"))
    else:
        shared_facets.append(FACET_FIELDS["grade"])
    main = request(filter_clauses(query), sort=sort_for(query), page=query.page, hitsPerPage=query.per_page,
                   **({"facets": shared_facets} if shared_facets else {}))
    return [main, *extra], reads


def with_word_parts(doc: ProductDocument) -> dict[str, Any]:
    """The document as Meilisearch receives it: plus the parts of its words mixing letters and digits."""
    text = " ".join(str(doc.get(field) or "") for field in SEARCHABLE_ATTRIBUTES)
    return {**doc, WORD_PARTS_FIELD: " ".join(word_parts(text))}


def _restore_types(hit: dict[str, Any]) -> dict[str, Any]:
    """JSON may bring a whole float back as an int (4.0 -> 4); documents keep floats floats."""
    for field in _FLOAT_FIELDS:
        if isinstance(hit.get(field), int):
            hit[field] = float(hit[field])
    return hit


def _add_distribution(facets: dict[str, dict[str, int]], distribution: dict[str, dict[str, int]]) -> None:
    for field, counts in distribution.items():
        facet = _FACET_BY_FIELD.get(field)
        if facet:
            facets[facet].update((value, count) for value, count in counts.items() if value and count)


@contextmanager
def _engine_errors(action: str) -> Iterator[None]:
    try:
        yield
    except SearchUnavailable:
        raise
    except (MeilisearchError, requests.RequestException) as exc:
        raise SearchUnavailable(f"meilisearch: {action} failed: {exc}") from exc


class MeiliBackend:
    name = "meilisearch"

    def __init__(self, url: str, api_key: str | None = None, *, index_prefix: str,
                 timeout: float = REQUEST_TIMEOUT_SECONDS, task_timeout_ms: int = TASK_TIMEOUT_MS) -> None:
        self.index_uid = f"{index_prefix}_products"
        self.staging_uid = f"{self.index_uid}_rebuild"
        self._client = meilisearch.Client(url.rstrip("/"), api_key, timeout=timeout)  # type: ignore[arg-type]
        self._task_timeout_ms = task_timeout_ms

    # Tasks and indexes

    def _wait(self, task: TaskInfo) -> None:
        done = self._client.wait_for_task(task.task_uid, timeout_in_ms=self._task_timeout_ms,
                                          interval_in_ms=TASK_POLL_MS)
        if done.status != "succeeded":
            message = (done.error or {}).get("message", "no error message")
            raise SearchTaskFailed(f"meilisearch task {done.uid} ({done.type}) {done.status}: {message}",
                                   done.error)

    def _exists(self, uid: str) -> bool:
        try:
            self._client.get_raw_index(uid)
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return False
            raise
        return True

    def _create_with_settings(self, uid: str) -> None:
        if not self._exists(uid):
            self._wait(self._client.create_index(uid, {"primaryKey": PRIMARY_KEY}))
        self._wait(self._client.index(uid).update_settings(copy.deepcopy(MEILI_SETTINGS)))

    def _add(self, uid: str, docs: Sequence[ProductDocument]) -> None:
        index = self._client.index(uid)
        tasks = [index.add_documents([with_word_parts(doc) for doc in docs[start:start + DOCUMENT_BATCH]],
                                     primary_key=PRIMARY_KEY)
                 for start in range(0, len(docs), DOCUMENT_BATCH)]
        for task in tasks:
            self._wait(task)

    def _drop(self, uid: str) -> None:
        if self._exists(uid):
            self._wait(self._client.delete_index(uid))

    # SearchBackend

    def configure(self) -> None:
        with _engine_errors("configure"):
            self._create_with_settings(self.index_uid)

    def replace_all(self, docs: Iterable[Mapping[str, Any]]) -> int:
        checked = list({doc["id"]: doc for doc in map(validate_document, docs)}.values())
        with _engine_errors("rebuild"):
            self._drop(self.staging_uid)  # left over by a rebuild that failed half-way
            self._create_with_settings(self.staging_uid)
            self._add(self.staging_uid, checked)
            if not self._exists(self.index_uid):
                self._wait(self._client.create_index(self.index_uid, {"primaryKey": PRIMARY_KEY}))
            self._wait(self._client.swap_indexes([{"indexes": [self.index_uid, self.staging_uid]}]))
            self._drop(self.staging_uid)
        return len(checked)

    def upsert(self, docs: Sequence[Mapping[str, Any]]) -> None:
        checked = [validate_document(doc) for doc in docs]
        if checked:
            with _engine_errors("upsert"):
                self._add(self.index_uid, checked)

    def delete(self, product_ids: Sequence[int]) -> None:
        ids = [int(product_id) for product_id in product_ids]
        index = self._client.index(self.index_uid)
        with _engine_errors("delete"):
            batches = [ids[start:start + DOCUMENT_BATCH] for start in range(0, len(ids), DOCUMENT_BATCH)]
            tasks = [index.delete_documents(filter=f"{PRIMARY_KEY} IN [{', '.join(map(str, batch))}]")
                     for batch in batches]
            for task in tasks:
                self._wait(task)

    def health(self) -> bool:
        try:
            with _engine_errors("health check"):
                if self._client.health().get("status") != "available":
                    return False
                return self._client.get_raw_index(self.index_uid).get("primaryKey") == PRIMARY_KEY
        except SearchUnavailable:
            return False

    def search(self, query: SearchQuery) -> SearchResult:
        impossible_price = (query.price_min is not None and query.price_max is not None
                            and query.price_min > query.price_max)
        if query.has_unknown_grade or impossible_price:
            return empty_result(query)
        queries, reads = search_requests(self.index_uid, query)
        with _engine_errors("search"):
            results = self._client.multi_search(queries)["results"]
        try:
            main, extra = results[0], results[1:]
            facets = empty_facets()
            _add_distribution(facets, main.get("facetDistribution") or {})
            for (kind, what), result in zip(reads, extra, strict=True):
                if kind == "facet":
                    _add_distribution(facets, result.get("facetDistribution") or {})
                elif result["totalHits"]:
                    facets["grade"][what] = result["totalHits"]
            hits = [_restore_types(hit) for hit in main["hits"]]
            total = main["totalHits"]
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise SearchUnavailable(f"meilisearch: unexpected search response: {exc!r}") from exc
        return SearchResult(hits=hits, total=total, facets=facets, page=query.page, per_page=query.per_page)
