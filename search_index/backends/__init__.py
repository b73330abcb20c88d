"""Search engines behind one small Protocol: the embedded tantivy index or a Meilisearch server.

Methods are synchronous (the web layer runs them in a worker thread). Any engine failure (server down,
timeout, missing or corrupt index, failed task) raises SearchUnavailable, so the store can answer
from its database instead.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from search_index.query import SearchQuery, SearchResult

BACKEND_KINDS = ("embedded", "meilisearch")


class SearchUnavailable(Exception):
    """The engine cannot answer or write now; the caller falls back or retries later."""


class SearchTaskFailed(SearchUnavailable):
    """Meilisearch accepted a write but its task failed; `error` is the task's error object."""

    def __init__(self, message: str, error: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.error = error or {}


@runtime_checkable
class SearchBackend(Protocol):
    name: str

    def configure(self) -> None:
        """Create the index and apply its settings; safe to call again."""

    # Documents come as the strategy builds them (plain mappings: the domain does not import this package);
    # each backend checks every one with `validate_document` before it writes anything.
    def replace_all(self, docs: Iterable[Mapping[str, Any]]) -> int:
        """Rebuild the index from these documents, swapped in at once; returns how many."""

    def upsert(self, docs: Sequence[Mapping[str, Any]]) -> None:
        """Add or replace these documents (by id); visible to the next search."""

    def delete(self, product_ids: Sequence[int]) -> None:
        """Remove these products; unknown ids are ignored."""

    def search(self, query: SearchQuery) -> SearchResult: ...

    def health(self) -> bool:
        """True when the index exists and can answer; never raises."""


def make_backend(
    kind: str,
    *,
    index_dir: Path | str | None = None,
    meili_url: str | None = None,
    meili_api_key: str | None = None,
    index_prefix: str = "encore_dev",
) -> SearchBackend:
    if kind == "embedded":
        if index_dir is None:
            raise ValueError("the embedded search backend needs index_dir")
        from search_index.backends.embedded import EmbeddedBackend

        return EmbeddedBackend(Path(index_dir))
    if kind == "meilisearch":
        if not meili_url:
            raise ValueError("the meilisearch backend needs meili_url (MEILI_URL)")
        from search_index.backends.meili import MeiliBackend

        return MeiliBackend(meili_url, meili_api_key, index_prefix=index_prefix)
    raise ValueError(f"unknown search backend {kind!r}; one of {', '.join(BACKEND_KINDS)}")
