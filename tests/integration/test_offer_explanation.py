"""The "Why this offer?" table under each featured offer, read as a screen reader reads it: every figure is
announced with its column (Weight, Value, Points) and its row (the parameter, or Total), through `headers`
attributes naming header cells whose ids are unique on the page (WCAG 1.3.1, technique H43)."""
from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from litestar.testing import AsyncTestClient

PRODUCT = "/p/apple-iphone-13-128-gb-midnight"


class Cell:
    def __init__(self, tag: str, attrs: dict[str, str], column: int) -> None:
        self.tag, self.attrs, self.column = tag, attrs, column
        self.span = int(attrs.get("colspan") or 1)
        self.text = ""

    def covers(self, column: int) -> bool:
        return self.column <= column < self.column + self.span


class WhyTables(HTMLParser):
    """Each `why__table` as rows of cells, with the column each cell starts at; and every id on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[Cell]]] = []
        self.ids: list[str] = []
        self._in_table = False
        self._cell: Cell | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {name: value or "" for name, value in attrs_list}
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "table" and "why__table" in attrs.get("class", "").split():
            self._in_table = True
            self.tables.append([])
        elif self._in_table and tag == "tr":
            self.tables[-1].append([])
        elif self._in_table and tag in ("th", "td"):
            row = self.tables[-1][-1]
            column = row[-1].column + row[-1].span if row else 0
            self._cell = Cell(tag, attrs, column)
            row.append(self._cell)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        elif tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data


async def why_tables(client: AsyncTestClient) -> WhyTables:
    response = await client.get(PRODUCT)
    assert response.status_code == 200
    parser = WhyTables()
    parser.feed(response.text)
    return parser


async def test_every_figure_names_its_column_and_row_headers(client: AsyncTestClient) -> None:
    parsed = await why_tables(client)
    assert len(parsed.tables) >= 2, "the page should show a table per featured grade"
    for table in parsed.tables:
        header_row, *body_rows = table
        assert [c.text for c in header_row] == ["Parameter", "Weight", "Value", "Points"]
        assert [c.tag for c in header_row] == ["th"] * 4
        for row in body_rows:
            row_header, *figures = row
            assert row_header.tag == "th" and row_header.attrs.get("scope") == "row", row_header.text
            assert row_header.attrs.get("id"), f"row header {row_header.text!r} has no id"
            for cell in figures:
                assert cell.tag == "td"
                column_header = next(c for c in header_row if c.covers(cell.column))
                assert column_header.attrs.get("id"), f"column header {column_header.text!r} has no id"
                assert cell.attrs.get("headers", "").split() == [column_header.attrs["id"], row_header.attrs["id"]], (
                    f"{row_header.text} / {column_header.text}")
        labels = [row[0].text for row in body_rows]
        assert labels[0] == "Price" and labels[-1] == "Total", labels
        assert len(body_rows) == 7, "six parameters and the total"


async def test_the_header_ids_are_unique_on_a_page_with_several_tables(client: AsyncTestClient) -> None:
    parsed = await why_tables(client)
    repeated = [name for name, count in Counter(parsed.ids).items() if count > 1]
    assert repeated == []
    header_ids = [c.attrs["id"] for table in parsed.tables for row in table for c in row
                  if c.tag == "th" and "id" in c.attrs]
    assert len(header_ids) == 11 * len(parsed.tables), "4 column headers and 7 row headers per table"
