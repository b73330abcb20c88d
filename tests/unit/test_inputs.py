"""Numbers, ids and text from outside: a value within bounds or None, never an exception."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storefront.inputs import has_unreadable_characters, parse_id, parse_page, parse_whole, same_signature
from storefront.web.unavailable import MAX_KEPT_BODY, RetryOnLostConnection


def test_only_ascii_digits_are_read() -> None:
    assert parse_whole("42", 100) == 42
    assert [parse_whole(text, 100) for text in ("²", "١", "-1", " 1", "1e3", "1_0", "+1", "", None)] == [None] * 9


def test_ids_are_what_a_postgresql_integer_holds() -> None:
    assert parse_id("2147483647") == 2147483647
    assert parse_id("2147483648") is None
    assert parse_id("0") is None
    assert parse_id("99999999999999999999") is None


def test_a_page_beyond_the_last_is_the_last_and_an_unreadable_one_the_first() -> None:
    assert parse_page("7", 200) == 7
    assert parse_page("99999999999999999999", 200) == 200
    assert parse_page("9" * 5000, 200) == 200
    assert parse_page("²", 200) == 1
    assert parse_page("0", 200) == 1


def test_nul_and_control_characters_are_unreadable_but_tabs_and_newlines_are_text() -> None:
    assert has_unreadable_characters("a\x00b")
    assert has_unreadable_characters("\x1b[0m")
    assert not has_unreadable_characters("two lines\r\nand\ta tab, café ²")


def test_a_signature_with_letters_beyond_ascii_is_simply_wrong() -> None:
    assert same_signature("abc", "abc")
    assert not same_signature("ébc", "abc")


@given(st.text(max_size=30), st.integers(min_value=1, max_value=10**6))
def test_any_text_reads_within_bounds_or_not_at_all(text: str, maximum: int) -> None:
    number = parse_whole(text, maximum)
    assert number is None or 0 <= number <= maximum
    assert 1 <= parse_page(text, maximum) <= maximum
    row = parse_id(text)
    assert row is None or 1 <= row <= 2**31 - 1


async def test_a_body_too_large_to_keep_still_reaches_the_app_whole() -> None:
    chunk = b"x" * (MAX_KEPT_BODY // 2 + 1)
    incoming = [{"type": "http.request", "body": chunk, "more_body": True} for _ in range(3)]
    incoming[-1]["more_body"] = False
    received: list[bytes] = []

    async def app(scope, receive, send) -> None:
        while True:
            message = await receive()
            received.append(message["body"])
            if not message["more_body"]:
                return

    async def receive():
        return incoming.pop(0)

    async def send(message) -> None:
        pass

    await RetryOnLostConnection(app)({"type": "http", "method": "POST", "path": "/"}, receive, send)
    assert len(b"".join(received)) == 3 * len(chunk)
