"""Product search: documents built from the domain, settings as data, and two engines behind one Protocol.

    from search_index import SearchQuery, make_backend
    backend = make_backend("embedded", index_dir=path)
    result = backend.search(SearchQuery(text="iphone", brands=("apple",), sort="price_asc"))
"""
from search_index.backends import SearchBackend, SearchTaskFailed, SearchUnavailable, make_backend
from search_index.documents import InvalidDocument, ProductDocument, validate_document
from search_index.query import (
    FACETS,
    GRADES,
    SORTS,
    SearchQuery,
    SearchResult,
    Sort,
    normalise_words,
    typos_allowed,
)

__all__ = [
    "FACETS",
    "GRADES",
    "SORTS",
    "InvalidDocument",
    "ProductDocument",
    "SearchBackend",
    "SearchQuery",
    "SearchResult",
    "SearchTaskFailed",
    "SearchUnavailable",
    "Sort",
    "make_backend",
    "normalise_words",
    "typos_allowed",
    "validate_document",
]
