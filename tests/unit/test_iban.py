"""Payment accounts sellers give: checked by the ISO 13616 checksum, shown masked."""
import pytest

from storefront.sellers.services import iban_is_valid, iban_with_check_digits, masked_iban, normalise_iban


@pytest.mark.parametrize("iban", ["GB82 WEST 1234 5698 7654 32", "fr76 3000 6000 0112 3456 7890 189",
                                  "DE89370400440532013000"])
def test_published_example_ibans_are_valid(iban: str) -> None:
    assert iban_is_valid(normalise_iban(iban))


@pytest.mark.parametrize("iban", ["GB82WEST12345698765433", "FR7630006000011234567890", "1234567890123456",
                                  "GB82-WEST-1234", ""])
def test_a_wrong_digit_or_shape_is_refused(iban: str) -> None:
    assert not iban_is_valid(normalise_iban(iban))


def test_check_digits_are_computed_as_banks_do() -> None:
    assert iban_with_check_digits("GB", "WEST12345698765432") == "GB82WEST12345698765432"


def test_the_masked_account_keeps_only_its_ends() -> None:
    assert masked_iban("FR7630006000011234567890189") == "FR76 •••• 0189"
