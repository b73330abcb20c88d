"""The search contract, run against every available backend over the same twelve products.

"embedded" always runs (an index in a temporary directory); "meilisearch" runs when MEILI_URL names a
live server, each fixture in its own index (deleted afterwards).
"""
from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from search_index import GRADES, SearchQuery, SearchUnavailable, make_backend
from search_index.backends import SearchBackend
from tests.integration.search_builders import product_document

PHONES = ("smartphones", "phones")
TABLETS = ("tablets",)
LAPTOPS = ("laptops", "computers")

CATALOGUE = [
    product_document(1, "Apple", "iPhone 13", offers={"good": (42000, 0.80), "excellent": (47000, 0.85)},
                     color="Midnight", keywords="Phones", rating=4.6, rating_count=120),
    product_document(2, "Apple", "iPhone 13", offers={"premium": (61000, 0.70), "good": (52000, 0.75)},
                     storage="256 GB", color="Blue", keywords="Phones", rating=4.6, rating_count=120),
    product_document(3, "Apple", "iPhone 12", offers={"fair": (25000, 0.55), "good": (29000, 0.60)},
                     storage="64 GB", keywords="Phones", rating=4.4, rating_count=300),
    product_document(4, "Apple", "iPad Air", offers={"excellent": (39000, 0.72)}, storage="64 GB", color="Blue",
                     category="Tablets", category_slugs=TABLETS, rating=4.7, rating_count=80),
    product_document(5, "Samsung", "Galaxy S21", offers={"good": (31000, 0.66), "excellent": (35000, 0.70)},
                     keywords="Phones Triple camera", rating=4.3, rating_count=200),
    product_document(6, "Samsung", "Galaxy S22", offers={"premium": (55000, 0.82)}, storage="256 GB",
                     color="White", keywords="Phones Quad cameras", rating=4.5, rating_count=90),
    product_document(7, "Samsung", "Galaxy Tab S8", offers={"good": (29000, 0.55)}, category="Tablets",
                     category_slugs=TABLETS, rating=4.2, rating_count=40),
    product_document(8, "Google", "Pixel 7", offers={"good": (27000, 0.62), "fair": (23000, 0.50)},
                     color="White", keywords="Phones", rating=4.4, rating_count=60),
    product_document(9, "Apple", "MacBook Air M1", offers={"excellent": (68000, 0.77), "good": (62000, 0.74)},
                     storage="256 GB", color="Silver", category="Laptops", category_slugs=LAPTOPS, rating=4.8,
                     rating_count=500),
    product_document(10, "Lenovo", "ThinkPad X1 Carbon", offers={"fair": (45000, 0.52)}, storage="512 GB",
                     category="Laptops", category_slugs=LAPTOPS, keywords="Business ultrabook", rating=4.1,
                     rating_count=25),
    product_document(11, "Apple", "iPod Touch", offers={"good": (9000, 0.55)}, storage="32 GB", color="Pink",
                     category="MP3 players", category_slugs=("mp3-players", "audio"), rating=4.0, rating_count=15),
    product_document(12, "Fairphone", "Fairphone 4", offers={"good": (38000, 0.68)}, color="Green",
                     keywords="Phones", rating=4.2, rating_count=30),
]
BY_ID = {doc["id"]: doc for doc in CATALOGUE}
HOSTILE_VALUES = ['a" OR brand_slug = "b', "x) OR (1=1", "apple AND samsung", "apple\\", '\\" OR id > 0 OR "']

LIVE_MEILI = pytest.mark.skipif(not os.environ.get("MEILI_URL"), reason="no live Meilisearch: set MEILI_URL")
BACKENDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("meilisearch", id="meilisearch", marks=[pytest.mark.meili, LIVE_MEILI]),
]


def _new_backend(kind: str, directory: Path) -> SearchBackend:
    return make_backend(kind, index_dir=directory / "search", meili_url=os.environ.get("MEILI_URL"),
                        meili_api_key=os.environ.get("MEILI_API_KEY"),
                        index_prefix=f"encore_test_{os.getpid()}_{secrets.token_hex(4)}")


def drop_indexes(backend: SearchBackend) -> None:
    """The test's live and staging indexes, deleted on the server once the test is done with them."""
    import meilisearch

    client = meilisearch.Client(os.environ["MEILI_URL"].rstrip("/"), os.environ.get("MEILI_API_KEY"))
    for uid in (backend.staging_uid, backend.index_uid):  # type: ignore[attr-defined]
        client.wait_for_task(client.delete_index(uid).task_uid)


def _filled(kind: str, directory: Path) -> Iterator[SearchBackend]:
    backend = _new_backend(kind, directory)
    try:
        backend.configure()
        backend.replace_all(CATALOGUE)
        yield backend
    finally:
        if kind == "meilisearch":
            drop_indexes(backend)


@pytest.fixture(scope="module", params=BACKENDS)
def catalogue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchBackend]:
    """The twelve products, shared by the tests that only read."""
    yield from _filled(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """The twelve products in an index of the test's own, for tests that write."""
    yield from _filled(request.param, tmp_path)


def ids(backend: SearchBackend, **query: object) -> list[int]:
    return [hit["id"] for hit in backend.search(SearchQuery(**query)).hits]  # type: ignore[arg-type]


# Text

def test_a_transposed_letter_still_finds_the_iphones(catalogue: SearchBackend) -> None:
    assert ids(catalogue, text="iphnoe") == [1, 2, 3]


def test_the_last_word_matches_as_a_prefix(catalogue: SearchBackend) -> None:
    assert ids(catalogue, text="galax") == [6, 5, 7]


def test_words_under_five_letters_allow_no_typo(catalogue: SearchBackend) -> None:
    assert ids(catalogue, text="ipod") == [11]
    assert ids(catalogue, text="ipad") == [4]


def test_every_word_must_match(catalogue: SearchBackend) -> None:
    assert ids(catalogue, text="samsung tab") == [7]
    assert ids(catalogue, text="apple galaxy") == []


def test_exact_matches_rank_above_typo_matches(catalogue: SearchBackend) -> None:
    # The S22 scores higher, but only has "cameras" (one typo away from "camera").
    assert ids(catalogue, text="camera samsung") == [5, 6]


def test_case_and_accents_are_ignored(catalogue: SearchBackend) -> None:
    assert ids(catalogue, text="PIXÉL") == [8]


def test_a_model_name_written_joined_finds_the_model(catalogue: SearchBackend) -> None:
    assert ids(catalogue, text="iphone13") == [1, 2]
    assert ids(catalogue, text="pixel7") == [8]


def test_storage_written_with_its_unit_joined_or_apart_finds_that_storage(catalogue: SearchBackend) -> None:
    assert ids(catalogue, text="256gb") == [6, 9, 2]
    assert ids(catalogue, text="256 gb") == [6, 9, 2]
    assert ids(catalogue, text="256GB apple") == [9, 2]


def test_model_and_storage_together(catalogue: SearchBackend) -> None:
    assert ids(catalogue, text="galaxy s22 256gb") == [6]
    assert ids(catalogue, text="galaxy s21 256gb") == []  # the S21 here is 128 GB only


def test_a_joined_model_keeps_typo_tolerance(catalogue: SearchBackend) -> None:
    # "galaxys" is one letter away from "galaxy"; "iphnoe" a transposition away from "iphone".
    assert ids(catalogue, text="galaxys21") == [5]
    assert ids(catalogue, text="iphnoe13") == [1, 2]


def test_an_abbreviation_finds_what_it_stands_for(engine: SearchBackend) -> None:
    engine.upsert([
        product_document(13, "Sony", "PlayStation 5", offers={"good": (39000, 0.6)}, storage="825 GB", color="White",
                         category="Consoles", category_slugs=("consoles",)),
        product_document(14, "Sony", "PlayStation 4 Pro", offers={"good": (19000, 0.6)}, storage="1 TB",
                         color="Black", category="Consoles", category_slugs=("consoles",)),
    ])
    assert ids(engine, text="ps5") == [13]
    assert ids(engine, text="PS4") == [14]
    assert ids(engine, text="ps5 825gb") == [13]


def test_hits_are_the_documents_as_indexed(catalogue: SearchBackend) -> None:
    [hit] = catalogue.search(SearchQuery(text="ipad")).hits
    assert hit == BY_ID[4]
    assert "price_good" not in hit and hit["offers"] == BY_ID[4]["offers"]


# Filters

def test_category_matches_ancestors(catalogue: SearchBackend) -> None:
    assert ids(catalogue, category="phones") == [1, 6, 2, 5, 12, 8, 3]


def test_brands_are_any_of(catalogue: SearchBackend) -> None:
    assert ids(catalogue, brands=("google", "lenovo")) == [8, 10]


def test_storage_and_colour_filters_combine(catalogue: SearchBackend) -> None:
    assert ids(catalogue, storages=("256 GB",), colors=("Blue", "White")) == [6, 2]


def test_price_range_applies_to_the_featured_price(catalogue: SearchBackend) -> None:
    assert ids(catalogue, price_min=30000, price_max=40000) == [4, 5, 12]
    assert ids(catalogue, price_min=40000, price_max=45000) == [10]


def test_with_a_grade_the_price_range_applies_to_that_grades_price(catalogue: SearchBackend) -> None:
    # iPhone 13 #1 is featured at 470 € (excellent) but has a good offer at 420 €.
    assert ids(catalogue, grade="good", price_min=40000, price_max=45000) == [1]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_filter_values_match_nothing(catalogue: SearchBackend, value: str) -> None:
    for field in ("brands", "storages", "colors"):
        result = catalogue.search(SearchQuery(**{field: (value,)}))  # type: ignore[arg-type]
        assert (result.total, result.hits) == (0, [])
    assert catalogue.search(SearchQuery(category=value)).total == 0
    assert catalogue.search(SearchQuery(grade=value)).total == 0


# Facets

FACET_BASES = [
    SearchQuery(),
    SearchQuery(text="apple"),
    SearchQuery(brands=("apple", "samsung"), storages=("128 GB",), price_min=20000, price_max=60000),
    SearchQuery(text="galax", grade="good"),
    SearchQuery(category="phones", colors=("Black", "White"), grade="excellent", price_max=50000),
    SearchQuery(price_min=40000, price_max=45000),
]


def _clicked(query: SearchQuery, facet: str, value: str) -> SearchQuery:
    """The query after choosing only `value` in `facet`."""
    field = {"category": "category", "brand": "brands", "grade": "grade", "storage": "storages",
             "color": "colors"}[facet]
    return dataclasses.replace(query, **{field: value if facet in ("category", "grade") else (value,)})


@pytest.mark.parametrize("base", FACET_BASES, ids=["everything", "text", "brands-storage-price", "prefix-grade",
                                                  "category-colors-grade-price", "price"])
def test_each_facet_count_is_what_clicking_it_shows(catalogue: SearchBackend, base: SearchQuery) -> None:
    facets = catalogue.search(base).facets
    assert any(facets.values())
    for facet, counts in facets.items():
        for value, count in counts.items():
            assert catalogue.search(_clicked(base, facet, value)).total == count, (facet, value)


def test_choosing_a_brand_keeps_the_other_brands_counted(catalogue: SearchBackend) -> None:
    result = catalogue.search(SearchQuery(brands=("apple",)))
    assert result.total == 6
    assert result.facets["brand"] == {"apple": 6, "samsung": 3, "google": 1, "lenovo": 1, "fairphone": 1}
    assert result.facets["color"] == {"Midnight": 1, "Blue": 2, "Black": 1, "Silver": 1, "Pink": 1}


def test_grade_counts_apply_the_price_range_to_each_grade(catalogue: SearchBackend) -> None:
    facets = catalogue.search(SearchQuery(price_min=40000, price_max=45000)).facets
    assert facets["grade"] == {"good": 1, "fair": 1}


def test_unfiltered_facets_count_the_whole_catalogue(catalogue: SearchBackend) -> None:
    facets = catalogue.search(SearchQuery()).facets
    assert facets["category"] == {"smartphones": 7, "phones": 7, "tablets": 2, "laptops": 2, "computers": 2,
                                  "mp3-players": 1, "audio": 1}
    assert facets["grade"] == {g: n for g, n in zip(GRADES, (2, 4, 9, 3), strict=True)}
    assert facets["storage"] == {"128 GB": 5, "256 GB": 3, "64 GB": 2, "512 GB": 1, "32 GB": 1}


# Sorting and paging

@pytest.mark.parametrize(("query", "expected"), [
    (SearchQuery(), [1, 6, 9, 2, 4, 5, 12, 8, 3, 7, 11, 10]),
    (SearchQuery(grade="good"), [1, 2, 9, 12, 5, 8, 3, 7, 11]),
    (SearchQuery(sort="price_asc"), [11, 8, 3, 7, 5, 12, 4, 10, 1, 2, 6, 9]),
    (SearchQuery(sort="price_desc"), [9, 6, 2, 1, 10, 4, 12, 5, 3, 7, 8, 11]),
    (SearchQuery(sort="price_asc", grade="good"), [11, 8, 3, 7, 5, 12, 1, 2, 9]),
    (SearchQuery(sort="rating"), [9, 4, 1, 2, 6, 3, 8, 5, 7, 12, 10, 11]),
], ids=["recommended", "recommended-good", "price_asc", "price_desc", "price_asc-good", "rating"])
def test_sort_order_with_id_tie_break(catalogue: SearchBackend, query: SearchQuery, expected: list[int]) -> None:
    assert [hit["id"] for hit in catalogue.search(query).hits] == expected


def test_pages_split_the_sorted_matches(catalogue: SearchBackend) -> None:
    pages = [catalogue.search(SearchQuery(page=n, per_page=5)) for n in (1, 2, 3, 4)]
    assert [[hit["id"] for hit in page.hits] for page in pages] == [[1, 6, 9, 2, 4], [5, 12, 8, 3, 7], [11, 10], []]
    assert {(page.total, page.pages) for page in pages} == {(12, 3)}


def test_paging_crosses_from_exact_to_typo_matches(catalogue: SearchBackend) -> None:
    second = catalogue.search(SearchQuery(text="camera samsung", page=2, per_page=1))
    assert ([hit["id"] for hit in second.hits], second.total) == ([6], 2)


# Writes

def test_an_upserted_price_is_seen_by_the_next_search(engine: SearchBackend) -> None:
    engine.upsert([product_document(8, "Google", "Pixel 7", offers={"good": (8000, 0.62)}, color="White")])
    first = engine.search(SearchQuery(sort="price_asc")).hits[0]
    assert (first["id"], first["price"], first["grades"]) == (8, 8000, ["good"])
    assert engine.search(SearchQuery()).total == 12


def test_an_upserted_new_product_is_found(engine: SearchBackend) -> None:
    engine.upsert([product_document(13, "Nintendo", "Switch OLED", offers={"good": (21000, 0.6)}, storage="",
                                    category="Consoles", category_slugs=("consoles",))])
    result = engine.search(SearchQuery(text="switch"))
    assert [hit["id"] for hit in result.hits] == [13]
    assert result.facets["storage"] == {}


def test_a_deleted_product_is_gone(engine: SearchBackend) -> None:
    engine.delete([1, 999])
    result = engine.search(SearchQuery())
    assert 1 not in [hit["id"] for hit in result.hits]
    assert (result.total, result.facets["brand"]["apple"]) == (11, 5)


def test_replace_all_swaps_the_whole_catalogue(engine: SearchBackend) -> None:
    assert engine.replace_all([BY_ID[10], BY_ID[4]]) == 2
    assert ids(engine) == [4, 10]
    assert engine.health()


def test_configure_is_idempotent(engine: SearchBackend) -> None:
    engine.configure()
    assert engine.search(SearchQuery()).total == 12


# Failures (embedded)

def _embedded(directory: Path) -> SearchBackend:
    backend = make_backend("embedded", index_dir=directory)
    backend.replace_all(CATALOGUE)
    assert backend.search(SearchQuery()).total == 12  # opened and cached before the damage
    return backend


def test_a_missing_index_directory_is_unavailable(tmp_path: Path) -> None:
    backend = _embedded(tmp_path / "search")
    shutil.rmtree(tmp_path / "search")
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery())
    assert not backend.health()


def test_a_corrupt_index_is_unavailable(tmp_path: Path) -> None:
    backend = _embedded(tmp_path / "search")
    [generation] = [p for p in (tmp_path / "search").iterdir() if p.is_dir()]
    (generation / "meta.json").write_text("{ not json")
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery())
    assert not backend.health()


def test_a_never_built_index_is_unavailable_until_configured(tmp_path: Path) -> None:
    backend = make_backend("embedded", index_dir=tmp_path / "search")
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery())
    backend.configure()
    assert backend.health() and backend.search(SearchQuery()).total == 0


def test_another_process_sees_writes_and_rebuilds(tmp_path: Path) -> None:
    writer = _embedded(tmp_path / "search")
    reader = make_backend("embedded", index_dir=tmp_path / "search")
    assert reader.search(SearchQuery()).total == 12
    writer.delete([12])
    assert reader.search(SearchQuery()).total == 11
    writer.replace_all([BY_ID[3]])
    assert ids(reader) == [3]
