"""Where a SEPA credit transfer can go: the countries of the SEPA schemes' geographical scope, as the European
Payments Council lists them (EU and EEA members, then the other countries and territories admitted since), by
the two letters an IBAN begins with. python-stdnum checks an IBAN's digits but knows nothing of SEPA, so the list
is kept here, once; a payout run's pain.001 file carries transfers to these countries only."""
from __future__ import annotations

# EPC, "List of countries of the SEPA schemes' geographical scope": the 27 EU members; Iceland, Liechtenstein
# and Norway (EEA); Andorra, Monaco, San Marino, Switzerland, the United Kingdom, Vatican City; the territories
# with IBANs of their own (Gibraltar; Guernsey, Jersey and the Isle of Man, whose accounts mostly carry GB
# IBANs); and the enlargement countries admitted in 2024-2025 (Albania, Montenegro, Moldova, North Macedonia,
# Serbia). French overseas departments and Åland use French and Finnish IBANs.
SEPA_COUNTRIES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    "IS", "LI", "NO",
    "AD", "CH", "GB", "MC", "SM", "VA",
    "GI", "GG", "JE", "IM",
    "AL", "ME", "MD", "MK", "RS",
)


def in_sepa(iban: str) -> bool:
    """Whether a credit transfer to this IBAN (compact, any case) is a SEPA one: its country is in the scheme."""
    return iban[:2].upper() in SEPA_COUNTRIES
