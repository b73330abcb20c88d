"""The embedded search backend: a tantivy index on disk, searched in-process.

Layout of `index_dir`:
    CURRENT         the name of the live generation, replaced atomically (os.replace)
    gen-<stamp>/    a tantivy index, one per full rebuild, with SCHEMA_FILE naming its schema version

A full rebuild writes a new generation and then points CURRENT at it, so a reader sees the old index
or the new one, never half of one. Upserts and deletes commit into the live generation.

Searching never parses user text: words become term, prefix and fuzzy term queries on one field of
normalised words, filters become term queries on raw-tokenized fields. Ordering reads one packed
64-bit sort key per (sort, grade) from a fast field, so tantivy's top-k collector returns the page
directly (id tie-break included); facets are terms and range aggregations on fast fields; only the
page's documents are read from the store.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import tantivy

from search_index.backends import SearchUnavailable
from search_index.documents import MAX_ID, validate_document
from search_index.index_settings import (
    EMBEDDED_SCHEMA,
    EMBEDDED_SCHEMA_VERSION,
    FACET_FIELDS,
    SEARCHABLE_ATTRIBUTES,
)
from search_index.query import (
    GRADES,
    SearchQuery,
    SearchResult,
    empty_facets,
    empty_result,
    price_field,
    score_field,
    search_words,
    typos_allowed,
    word_alternatives,
)

POINTER_FILE = "CURRENT"
SCHEMA_FILE = "encore-schema.json"
_GENERATION_NAME = re.compile(r"^gen-[0-9a-f]+-[0-9a-f]+$")

TEXT_FIELD: str = EMBEDDED_SCHEMA["text_field"]
STORED_FIELD: str = EMBEDDED_SCHEMA["stored_field"]
ID_FIELD = "id"
TERMS_SIZE = 10_000  # more than any facet's number of values, so terms counts are exact
UPSERT_HEAP = 32_000_000
REBUILD_HEAP = 128_000_000

# Sort keys: the ordering value times ID_SPACE plus the id's part, read in descending order. Scores
# keep 6 decimals (documents round them so), ratings 2; rating counts saturate at COUNT_SPACE - 1.
ID_SPACE = MAX_ID + 1
SCORE_SCALE = 1_000_000
RATING_SCALE = 100
COUNT_SPACE = 2**22


def _grade_suffixes() -> list[tuple[str, str | None]]:
    return [("", None), *((f"_{g}", g) for g in GRADES)]


def sort_keys(doc: Mapping[str, Any]) -> dict[str, int]:
    """Each sort's packed key for this document; a grade without an offer has no keys."""
    product_id = doc["id"]
    id_first = MAX_ID - product_id  # larger for smaller ids, so descending order puts them first
    keys: dict[str, int] = {}
    for suffix, grade in _grade_suffixes():
        price = doc.get(price_field(grade))
        if price is None:
            continue
        score = round(doc[score_field(grade)] * SCORE_SCALE)
        keys[f"sort_recommended{suffix}"] = score * ID_SPACE + id_first
        keys[f"sort_price_desc{suffix}"] = price * ID_SPACE + id_first
        keys[f"sort_price_asc{suffix}"] = -(price * ID_SPACE + product_id)
    rating = round(doc.get("rating", 0) * RATING_SCALE)
    count = min(doc.get("rating_count", 0), COUNT_SPACE - 1)
    keys["sort_rating"] = (rating * COUNT_SPACE + count) * ID_SPACE + id_first
    return keys


def sort_key_field(query: SearchQuery) -> str:
    suffix = f"_{query.grade}" if query.grade else ""
    return "sort_rating" if query.sort == "rating" else f"sort_{query.sort}{suffix}"


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(TEXT_FIELD, tokenizer_name="whitespace", index_option="basic")
    for field in EMBEDDED_SCHEMA["keyword_fields"]:
        builder.add_text_field(field, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field(ID_FIELD, indexed=True, fast=True)
    for field in EMBEDDED_SCHEMA["integer_fields"]:
        if field != ID_FIELD:
            builder.add_integer_field(field, fast=True)
    for field in EMBEDDED_SCHEMA["sort_key_fields"]:
        builder.add_integer_field(field, fast=True)
    builder.add_bytes_field(STORED_FIELD, stored=True)
    return builder.build()


def searchable_words(doc: Mapping[str, Any]) -> list[str]:
    return search_words(" ".join(str(doc.get(field) or "") for field in SEARCHABLE_ATTRIBUTES))


def to_tantivy(doc: Mapping[str, Any]) -> tantivy.Document:
    out = tantivy.Document()
    out.add_text(TEXT_FIELD, " ".join(searchable_words(doc)))
    for field in EMBEDDED_SCHEMA["keyword_fields"]:
        value = doc.get(field)
        for item in value if isinstance(value, list) else [value]:
            if item:  # "" (no storage) is no facet value
                out.add_text(field, item)
    for field in EMBEDDED_SCHEMA["integer_fields"]:
        if field in doc:
            out.add_integer(field, doc[field])
    for field, key in sort_keys(doc).items():
        out.add_integer(field, key)
    out.add_bytes(STORED_FIELD, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())
    return out


@contextmanager
def _engine_errors(action: str) -> Iterator[None]:
    """tantivy's errors (ValueError, OSError, a Rust panic) become SearchUnavailable."""
    try:
        yield
    except SearchUnavailable:
        raise
    except (ValueError, OSError, RuntimeError) as exc:
        raise SearchUnavailable(f"embedded index: {action} failed: {exc}") from exc
    except BaseException as exc:
        if type(exc).__name__ == "PanicException":
            raise SearchUnavailable(f"embedded index: {action} failed: {exc}") from exc
        raise


def _stamp(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


# Queries --------------------------------------------------------------------------------------------

Q = tantivy.Query


def _all_of(parts: Sequence[tantivy.Query], excluding: tantivy.Query | None = None) -> tantivy.Query:
    if excluding is None and len(parts) == 1:
        return parts[0]
    if not parts:
        parts = [Q.all_query()]
    clauses = [(tantivy.Occur.Must, part) for part in parts]
    if excluding is not None:
        clauses.append((tantivy.Occur.MustNot, excluding))
    return Q.boolean_query(clauses)


def _either(word_query: tantivy.Query, alternatives: Sequence[tantivy.Query]) -> tantivy.Query:
    if not alternatives:
        return word_query
    return Q.boolean_query([(tantivy.Occur.Should, q) for q in (word_query, *alternatives)])


def _any_of(schema: tantivy.Schema, field: str, values: Sequence[str]) -> tantivy.Query:
    if len(values) == 1:
        return Q.term_query(schema, field, values[0], index_option="basic")
    return Q.term_set_query(schema, field, list(values))


class _Plan:
    """One search's queries: the text (all words, and the no-typo variant) and one query per filter."""

    def __init__(self, schema: tantivy.Schema, query: SearchQuery) -> None:
        self.query = query
        words = query.words
        exact_parts, matching_parts = [], []
        for position, word in enumerate(words):
            last = position == len(words) - 1
            exact = (Q.fuzzy_term_query(schema, TEXT_FIELD, word, distance=0, prefix=True) if last
                     else Q.term_query(schema, TEXT_FIELD, word, index_option="basic"))
            typos = typos_allowed(word)
            matching = exact if typos == 0 else Q.fuzzy_term_query(
                schema, TEXT_FIELD, word, distance=typos, transposition_cost_one=True, prefix=last)
            # A synonym's words match exactly, as Meilisearch matches them.
            synonyms = [_all_of([Q.term_query(schema, TEXT_FIELD, w, index_option="basic") for w in words])
                        for words in word_alternatives(word)]
            exact_parts.append(_either(exact, synonyms))
            matching_parts.append(_either(matching, synonyms))
        self.exact_text = _all_of(exact_parts) if words else None
        self.text = _all_of(matching_parts) if words else None
        self.has_typo_matches = any(typos_allowed(w) for w in words)
        self.filters: dict[str, tantivy.Query] = {}
        if query.category:
            self.filters["category"] = _any_of(schema, FACET_FIELDS["category"], [query.category])
        for facet, values in (("brand", query.brands), ("storage", query.storages), ("color", query.colors)):
            if values:
                self.filters[facet] = _any_of(schema, FACET_FIELDS[facet], values)
        if query.grade:
            self.filters["grade"] = _any_of(schema, FACET_FIELDS["grade"], [query.grade])
        if query.price_min is not None or query.price_max is not None:
            self.filters["price"] = Q.range_query(schema, price_field(query.grade), tantivy.FieldType.Integer,
                                                  query.price_min, query.price_max)

    def where(self, *, skip: Iterable[str] = (), text: tantivy.Query | None = None,
              excluding: tantivy.Query | None = None) -> tantivy.Query:
        text = self.text if text is None else text
        parts = [q for name, q in self.filters.items() if name not in set(skip)]
        return _all_of([text, *parts] if text else parts, excluding)


# The backend ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _LiveIndex:
    generation: str
    pointer_stamp: tuple[int, int, int]
    meta_stamp: tuple[int, int, int]
    index: tantivy.Index
    searcher: tantivy.Searcher


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._live_index: _LiveIndex | None = None
        self._open_lock = threading.Lock()
        self._write_lock = threading.RLock()

    # Reading the live generation, reopened or reloaded when another writer changed it.

    def _live(self) -> _LiveIndex:
        try:
            pointer_stamp = _stamp(self.index_dir / POINTER_FILE)
        except OSError as exc:
            raise SearchUnavailable(f"no search index in {self.index_dir}; run `manage rebuild-index`"
                                    ) from exc
        live = self._live_index
        if live is None or live.pointer_stamp != pointer_stamp:
            with self._open_lock:
                live = self._live_index = self._open_generation(pointer_stamp)
            return live
        try:
            meta_stamp = _stamp(self.index_dir / live.generation / "meta.json")
        except OSError as exc:
            raise SearchUnavailable(f"search index {live.generation} is gone from {self.index_dir}") from exc
        if meta_stamp != live.meta_stamp:
            with self._open_lock, _engine_errors("reload"):
                live.index.reload()
                live = self._live_index = replace(live, meta_stamp=meta_stamp, searcher=live.index.searcher())
        return live

    def _open_generation(self, pointer_stamp: tuple[int, int, int]) -> _LiveIndex:
        with _engine_errors("open"):
            generation = (self.index_dir / POINTER_FILE).read_text().strip()
            if not _GENERATION_NAME.match(generation):
                raise SearchUnavailable(f"{self.index_dir / POINTER_FILE} does not name an index generation")
            path = self.index_dir / generation
            recorded = json.loads((path / SCHEMA_FILE).read_text()).get("schema_version")
            if recorded != EMBEDDED_SCHEMA_VERSION:
                raise SearchUnavailable(f"search index {generation} has schema version {recorded!r}, "
                                        f"not {EMBEDDED_SCHEMA_VERSION}; run `manage rebuild-index`")
            meta_stamp = _stamp(path / "meta.json")
            index = tantivy.Index.open(str(path))
            return _LiveIndex(generation, pointer_stamp, meta_stamp, index, index.searcher())

    # Writing

    def configure(self) -> None:
        with self._write_lock:
            try:
                self._live()
            except SearchUnavailable:
                self.replace_all([])

    def replace_all(self, docs: Iterable[Mapping[str, Any]]) -> int:
        by_id = {doc["id"]: doc for doc in map(validate_document, docs)}
        with self._write_lock:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            generation = f"gen-{time.time_ns():x}-{secrets.token_hex(4)}"
            path = self.index_dir / generation
            try:
                with _engine_errors("rebuild"):
                    path.mkdir()
                    index = tantivy.Index(build_schema(), path=str(path), reuse=False)
                    writer = index.writer(heap_size=REBUILD_HEAP)
                    for doc in by_id.values():
                        writer.add_document(to_tantivy(doc))
                    writer.commit()
                    writer.wait_merging_threads()
                    (path / SCHEMA_FILE).write_text(json.dumps({"schema_version": EMBEDDED_SCHEMA_VERSION}))
                    self._point_at(generation)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            self._live_index = None
            self._remove_generations_except(generation)
        return len(by_id)

    def _point_at(self, generation: str) -> None:
        temporary = self.index_dir / f"{POINTER_FILE}.{secrets.token_hex(4)}.tmp"
        with open(temporary, "w") as pointer:
            pointer.write(generation)
            pointer.flush()
            os.fsync(pointer.fileno())
        os.replace(temporary, self.index_dir / POINTER_FILE)

    def _remove_generations_except(self, keep: str) -> None:
        for path in self.index_dir.iterdir():
            if path.is_dir() and _GENERATION_NAME.match(path.name) and path.name != keep:
                shutil.rmtree(path, ignore_errors=True)

    def upsert(self, docs: Sequence[Mapping[str, Any]]) -> None:
        checked = [validate_document(doc) for doc in docs]
        if not checked:
            return
        with self._write_lock, self._writer("upsert") as writer:
            for doc in checked:
                writer.delete_documents_by_term(ID_FIELD, doc["id"])
                writer.add_document(to_tantivy(doc))

    def delete(self, product_ids: Sequence[int]) -> None:
        if not product_ids:
            return
        with self._write_lock, self._writer("delete") as writer:
            for product_id in product_ids:
                writer.delete_documents_by_term(ID_FIELD, int(product_id))

    @contextmanager
    def _writer(self, action: str) -> Iterator[tantivy.IndexWriter]:
        live = self._live()
        with _engine_errors(action):
            writer = live.index.writer(heap_size=UPSERT_HEAP, num_threads=1)
            yield writer
            writer.commit()
            writer.wait_merging_threads()
        self._live()  # reload now, so the next search sees the write without another stat

    # Searching

    def health(self) -> bool:
        try:
            live = self._live()
            with _engine_errors("health check"):
                live.searcher.search(Q.all_query(), limit=1)
        except SearchUnavailable:
            return False
        return True

    def search(self, query: SearchQuery) -> SearchResult:
        impossible_price = (query.price_min is not None and query.price_max is not None
                            and query.price_min > query.price_max)
        if query.has_unknown_grade or impossible_price:
            return empty_result(query)
        live = self._live()
        with _engine_errors("search"):
            plan = _Plan(live.index.schema, query)
            hits, total = self._page(live.searcher, plan)
            facets = self._facets(live.searcher, plan)
            # Every document is written with its stored field (see to_tantivy), so it is never missing.
            documents = [json.loads(cast(bytes, live.searcher.doc(address).get_first(STORED_FIELD)))
                         for address in hits]
        return SearchResult(hits=documents, total=total, facets=facets, page=query.page,
                            per_page=query.per_page)

    def _page(self, searcher: tantivy.Searcher, plan: _Plan) -> tuple[list[tantivy.DocAddress], int]:
        """The page's addresses and the total; with text, exact matches before typo matches."""
        query = plan.query
        key = sort_key_field(query)

        def top(where: tantivy.Query, limit: int, offset: int) -> tuple[list[tantivy.DocAddress], int]:
            found = searcher.search(where, limit=max(limit, 1), offset=offset, order_by_field=key,
                                    order=tantivy.Order.Desc, count=True)
            # tantivy's stub omits `count`, which the binding sets when count=True.
            return [address for _, address in found.hits][:limit], found.count  # type: ignore[attr-defined]

        if plan.text is None or not plan.has_typo_matches:
            return top(plan.where(), query.per_page, query.offset)
        exact_hits, exact_total = top(plan.where(text=plan.exact_text), query.per_page, query.offset)
        typo_hits, typo_total = top(plan.where(excluding=plan.exact_text), query.per_page - len(exact_hits),
                                    max(0, query.offset - exact_total))
        return exact_hits + typo_hits, exact_total + typo_total

    def _facets(self, searcher: tantivy.Searcher, plan: _Plan) -> dict[str, dict[str, int]]:
        """Disjunctive counts: a facet with a selection is counted without it, in its own aggregation."""
        query = plan.query

        def terms(facet: str) -> dict[str, Any]:
            return {facet: {"terms": {"field": FACET_FIELDS[facet], "size": TERMS_SIZE}}}

        selected = {"category": bool(query.category), "brand": bool(query.brands),
                    "storage": bool(query.storages), "color": bool(query.colors)}
        shared: dict[str, Any] = {}
        own: list[tuple[tantivy.Query, dict[str, Any]]] = []
        for facet, is_selected in selected.items():
            if is_selected:
                own.append((plan.where(skip=[facet]), terms(facet)))
            else:
                shared.update(terms(facet))
        if "price" in plan.filters:
            # Each grade's count applies the price range to that grade's own price.
            bounds: dict[str, Any] = {"key": "in"}
            if query.price_min is not None:
                bounds["from"] = float(query.price_min)
            if query.price_max is not None:
                bounds["to"] = float(query.price_max) + 1  # prices are whole cents; "to" is exclusive
            own.append((plan.where(skip=["grade", "price"]), {
                f"grade:{g}": {"range": {"field": f"price_{g}", "ranges": [bounds], "keyed": True}}
                for g in GRADES
            }))
        elif query.grade:
            own.append((plan.where(skip=["grade"]), terms("grade")))
        else:
            shared.update(terms("grade"))
        if shared:
            own.insert(0, (plan.where(), shared))

        facets = empty_facets()
        for where, aggregations in own:
            for name, result in searcher.aggregate(where, aggregations).items():
                if name.startswith("grade:"):
                    count = result["buckets"]["in"]["doc_count"]
                    if count:
                        facets["grade"][name.removeprefix("grade:")] = count
                else:
                    facets[name].update((b["key"], b["doc_count"]) for b in result["buckets"] if b["key"])
        return facets


__all__ = ["EmbeddedBackend", "build_schema", "sort_key_field", "sort_keys"]
