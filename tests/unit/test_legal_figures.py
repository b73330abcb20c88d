"""The legal pages' formatting of rates and ratings: integers in, the text a reader expects out."""
from __future__ import annotations

import pytest

from storefront.legal.figures import percent_from_basis_points, stars_from_x100


@pytest.mark.parametrize(("basis_points", "text"), [
    (1_000, "10 %"), (250, "2.5 %"), (200, "2 %"), (5, "0.05 %"), (199, "1.99 %"), (0, "0 %"), (10_000, "100 %"),
    (12_345, "123.45 %"), (-150, "−1.5 %"),
])
def test_basis_points_read_as_percentages_without_trailing_zeros(basis_points: int, text: str) -> None:
    # A no-break space keeps the number and its sign on one line.
    assert percent_from_basis_points(basis_points) == text.replace(" ", "\N{NO-BREAK SPACE}")


@pytest.mark.parametrize(("x100", "text"), [(400, "4"), (450, "4.5"), (425, "4.25"), (401, "4.01"), (500, "5")])
def test_ratings_in_hundredths_read_as_stars(x100: int, text: str) -> None:
    assert stars_from_x100(x100) == text
