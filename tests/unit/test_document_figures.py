"""What a document computes on its own: the VAT an amount includes, and a CSV no spreadsheet runs as a formula."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storefront.documents.contents import vat_included
from storefront.documents.render import csv_text


def test_the_vat_an_amount_includes() -> None:
    assert vat_included(6_000, 2_000) == (5_000, 1_000)
    assert vat_included(6_290, 2_000) == (5_242, 1_048)
    assert vat_included(258, 2_000) == (215, 43)
    assert vat_included(49, 2_000) == (41, 8)
    assert vat_included(-500, 2_000) == (-417, -83)
    assert vat_included(5_000, 550) == (4_739, 261)
    assert vat_included(5_000, 0) == (5_000, 0)


@given(st.integers(-10_000_000, 10_000_000), st.integers(1, 5_000))
def test_net_and_vat_add_up_to_the_amount_and_the_net_is_the_nearest_cent(total: int, rate: int) -> None:
    net, vat = vat_included(total, rate)
    assert net + vat == total
    # |net × (1 + rate) − total| is at most half a cent of net, in basis points.
    assert abs(net * (10_000 + rate) - total * 10_000) * 2 <= 10_000 + rate


RECEIPT = {"kind": "receipt", "code": "RC-2026-000007"}


def receipt_content(buyer: str) -> dict:
    return {"issuer": {"name": "Encore Marketplace SAS", "address": "18 rue des Artisans"}, "buyer": buyer,
            "reference": "EN-7K2Q001", "paid_on": "2026-10-10", "payment_means": "card", "fee_cents": 258,
            "net_cents": 215, "vat_cents": 43, "vat_basis_points": 2_000, "currency": "EUR",
            "issued_on": "2026-11-01", "code": "RC-2026-000007"}


def test_a_receipt_as_csv_has_a_byte_order_mark_and_plain_amounts() -> None:
    lines = csv_text(RECEIPT, receipt_content("Louise Fournier")).removeprefix("\ufeff").split("\r\n")
    assert lines[:3] == ["Document,RC-2026-000007", "Kind,Service fee receipt", "Issued on,2026-11-01"]
    assert "Buyer,Louise Fournier" in lines
    assert "Service fee incl. VAT,2.58" in lines
    assert "VAT 20\u00a0% included,0.43" in lines
    assert "Service fee excl. VAT,2.15" in lines


def test_a_name_that_starts_like_a_formula_is_written_as_text() -> None:
    lines = csv_text(RECEIPT, receipt_content("=HYPERLINK(\"http://x\")")).split("\r\n")
    assert "Buyer,\"'=HYPERLINK(\"\"http://x\"\")\"" in lines
