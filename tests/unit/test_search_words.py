"""The words search matches: letters and digits apart, abbreviations whole and expanded."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from search_index.query import normalise_words, search_words, word_alternatives, word_parts
from search_index.synonyms import SYNONYMS


def test_model_names_and_storage_are_the_same_words_joined_or_apart() -> None:
    assert search_words("iPhone13") == search_words("iPhone 13") == ["iphone", "13"]
    assert search_words("256GB") == search_words("256 gb") == ["256", "gb"]
    assert search_words("Galaxy S21 256GB") == ["galaxy", "s", "21", "256", "gb"]
    assert search_words("WH-1000XM4") == ["wh", "1000", "xm", "4"]


def test_an_abbreviation_stays_whole_and_stands_for_its_words() -> None:
    assert search_words("PS5 825GB") == ["ps5", "825", "gb"]
    assert word_alternatives("ps5") == [["playstation", "5"]]
    assert word_alternatives("playstation") == []


def test_word_parts_are_what_splitting_adds() -> None:
    assert word_parts("Samsung Galaxy S21 5G 5G PS5") == ["s", "21", "5", "g"]
    assert word_parts("Apple iPhone 13") == []


def test_every_abbreviation_is_one_searchable_word() -> None:
    for word, meanings in SYNONYMS.items():
        assert normalise_words(word) == [word] and search_words(word) == [word]
        assert meanings and all(search_words(meaning) for meaning in meanings)


@given(st.text())
def test_splitting_loses_no_letter(text: str) -> None:
    assert "".join(search_words(text)) == "".join(normalise_words(text))
