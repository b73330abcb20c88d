"""What a buyer asks the search for, what comes back, and the text rules every backend shares.

The contract, whichever engine answers:
- Text is normalised (`search_words`), documents and queries alike: letters and digits within a word are
  searched apart, so "iphone13" finds "iPhone 13" and "256gb" finds "256 GB"; an abbreviation of
  synonyms.SYNONYMS stays whole and also matches the words it stands for ("ps5": "playstation 5").
- Every word must match a searchable field, with typos allowed by word length (`typos_allowed`), and the
  last word also matches as a prefix. Empty text matches all.
- Filters AND across facets and OR within one. The price range applies to `price`, or to
  `price_<grade>` when a grade is chosen.
- Facets are disjunctive: a facet's counts ignore that facet's own selection, so a count is exactly
  what clicking the value shows. The grade facet applies the price range to each grade's own price.
- With text, matches needing no typo come before matches needing one, whatever the sort; within
  each group the chosen sort applies, and the product id (ascending) breaks the last ties.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

from search_index.synonyms import SYNONYMS

Sort = Literal["recommended", "price_asc", "price_desc", "rating"]
SORTS: tuple[str, ...] = get_args(Sort)
GRADES = ("premium", "excellent", "good", "fair")
FACETS = ("category", "brand", "grade", "storage", "color")

# Meilisearch's defaults, which index_settings also sets explicitly: words shorter than 5 letters
# must match exactly, 5 to 8 letters allow one typo, 9 and more allow two.
MIN_WORD_SIZE_ONE_TYPO = 5
MIN_WORD_SIZE_TWO_TYPOS = 9

_WORD = re.compile(r"[^\W_]+")
# A run of digits or a run of anything else, within one normalised word: "1000xm4" -> 1000, xm, 4.
_LETTERS_OR_DIGITS = re.compile(r"\d+|\D+")


def normalise_words(text: str) -> list[str]:
    """Lowercase words without accents: "Écran 6,1\" iPhone-13" -> ["ecran", "6", "1", "iphone", "13"]."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(bare.casefold())


def search_words(text: str) -> list[str]:
    """The words search matches, in documents and queries: "Galaxy S21 256GB" -> ["galaxy", "s", "21", "256",
    "gb"]. Model names and storage are written joined or apart ("iPhone13", "256 GB"); apart, both match.
    An abbreviation of SYNONYMS ("ps5") stays whole, so it can be looked up."""
    words: list[str] = []
    for word in normalise_words(text):
        words.extend([word] if word in SYNONYMS else _LETTERS_OR_DIGITS.findall(word))
    return words


def word_parts(text: str) -> list[str]:
    """The words `search_words` adds to what a tokenizer splitting only at spaces and punctuation sees:
    the parts of each word mixing letters and digits, once each ("Galaxy S21 5G" -> ["s", "21", "5", "g"])."""
    parts: dict[str, None] = {}
    for word in normalise_words(text):
        split = [word] if word in SYNONYMS else _LETTERS_OR_DIGITS.findall(word)
        if len(split) > 1:
            parts.update(dict.fromkeys(split))
    return list(parts)


def word_alternatives(word: str) -> list[list[str]]:
    """What else a query word may match, each alternative a list of words that must all match exactly:
    "ps5" -> [["playstation", "5"]]; a word outside SYNONYMS has none."""
    return [search_words(meaning) for meaning in SYNONYMS.get(word, ())]


def typos_allowed(word: str) -> int:
    if len(word) >= MIN_WORD_SIZE_TWO_TYPOS:
        return 2
    if len(word) >= MIN_WORD_SIZE_ONE_TYPO:
        return 1
    return 0


def price_field(grade: str | None) -> str:
    return f"price_{grade}" if grade else "price"


def score_field(grade: str | None) -> str:
    return f"score_{grade}" if grade else "score"


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    category: str | None = None  # a category slug; matches any of a document's category_slugs
    brands: tuple[str, ...] = ()  # brand slugs, any of them
    grade: str | None = None  # at most one grade
    storages: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    price_min: int | None = None  # cents, inclusive
    price_max: int | None = None  # cents, inclusive
    sort: Sort = "recommended"
    page: int = 1  # 1-based
    per_page: int = 24

    def __post_init__(self) -> None:
        for name in ("brands", "storages", "colors"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"SearchQuery.{name} takes a tuple of values, not one string")
            object.__setattr__(self, name, tuple(value))
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}; one of {SORTS}")
        if self.page < 1 or self.per_page < 1:
            raise ValueError("page and per_page start at 1")

    @property
    def words(self) -> list[str]:
        return search_words(self.text)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_unknown_grade(self) -> bool:
        """A grade outside GRADES matches nothing (and never reaches an engine as a field name)."""
        return self.grade is not None and self.grade not in GRADES


@dataclass
class SearchResult:
    hits: list[dict]  # the documents of this page, in order
    total: int  # how many products match
    facets: dict[str, dict[str, int]]  # facet name (FACETS) -> value -> count
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)


def empty_facets() -> dict[str, dict[str, int]]:
    return {facet: {} for facet in FACETS}


def empty_result(query: SearchQuery) -> SearchResult:
    return SearchResult(hits=[], total=0, facets=empty_facets(), page=query.page, per_page=query.per_page)
