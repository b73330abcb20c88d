"""The offer CSV file without a database: what the export writes and what the import reads or refuses."""
from __future__ import annotations

import pytest

from storefront.sellers.listings import OFFER_COLUMNS, ListingRules
from storefront.sellers.offer_csv import (
    NOT_UTF8,
    UnreadableFile,
    column_help,
    neutralised,
    read_rows,
    read_upload,
    template_csv,
)

HEADER = ",".join(OFFER_COLUMNS)


def test_every_column_is_explained_with_its_limits() -> None:
    help_ = column_help(ListingRules(min_warranty_months=12, min_battery_percent=80))
    assert list(help_) == list(OFFER_COLUMNS)
    assert help_["price"] == "Price in euros, VAT included, from €1.00 to €10,000.00, like 249.00 or 249,00."
    assert help_["battery_health_pct"] == "Battery health in percent of the original capacity, 80 to 100."


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-dent", "'-dent"), ("@here", "'@here"), ("\tx", "'\tx"),
    ("Clean", "Clean"), ("249.00", "249.00"),
])
def test_a_cell_that_starts_like_a_formula_is_exported_as_text(cell: str, written: str) -> None:
    assert neutralised(cell) == written


def test_the_template_is_the_header_alone_with_a_byte_order_mark() -> None:
    assert template_csv() == "\ufeff" + HEADER + "\r\n"


def test_line_numbers_are_the_files_own_even_across_a_note_on_two_lines() -> None:
    text = (HEADER + "\n" + 'A,1,good,100,1,0,2,12,90,no,card,"two\nlines"\n\n'
            + "B,1,good,100,1,0,2,12,90,no,card,ok\n")
    assert read_upload(text.encode()).rows == 2
    assert [(r.line, r.values["sku"], r.problems) for r in read_rows(text)] == [(2, "A", {}), (5, "B", {})]


def test_the_exports_quote_before_a_formula_start_is_taken_off() -> None:
    text = HEADER + "\nA,1,good,100,1,0,2,12,90,no,card,'-dent on the back\n"
    (read,) = read_rows(text)
    assert read.fields is not None and read.fields.condition_note == "-dent on the back"


@pytest.mark.parametrize("data", ["é".encode("latin-1"), "sku".encode("utf-16"), "sku".encode("utf-16-le")])
def test_only_utf8_is_read(data: bytes) -> None:
    with pytest.raises(UnreadableFile) as refused:
        read_upload(data)
    assert refused.value.message == NOT_UTF8


def test_a_column_named_twice_is_refused() -> None:
    with pytest.raises(UnreadableFile) as refused:
        read_upload((HEADER + ",sku\nA,1,good,100,1,0,2,12,90,no,card,ok,A\n").encode())
    assert refused.value.message == "The header line names sku more than once: keep one column each."


def test_too_many_rows_are_refused() -> None:
    data = (HEADER + "\n" + "A,1,good,100,1,0,2,12,90,no,card,ok\n" * 50_001).encode()
    with pytest.raises(UnreadableFile) as refused:
        read_upload(data)
    assert refused.value.message == ("The file has 50,001 offers: import at most 50,000 at once (split it into "
                                     "several files).")
