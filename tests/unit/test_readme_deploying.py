"""Every environment variable the settings read is documented in the README's "Deploying" section, so a
variable added later cannot go undocumented."""
from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import get_type_hints

from storefront.ranking.weights import RankingWeights
from storefront.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def variables(cls: type) -> set[str]:
    """The variables named in the settings dataclass `cls` and the ones nested in it."""
    kinds = get_type_hints(cls)
    found: set[str] = set()
    for item in fields(cls):
        if "env" in item.metadata:
            found.add(item.metadata["env"])
        elif is_dataclass(kinds[item.name]) and kinds[item.name] is not RankingWeights:
            found |= variables(kinds[item.name])
    return found


def deploying_section() -> str:
    match = re.search(r"^## Deploying\n(.*?)(?=^## )", README.read_text(), re.S | re.M)
    assert match, "README.md has no Deploying section"
    return match.group(1)


def test_every_settings_variable_is_in_the_deploying_section() -> None:
    weights = {f"RANKING_WEIGHT_{key.upper()}" for key, _ in RankingWeights().items()}
    expected = variables(Settings) | weights
    assert {"ENCORE_ENV", "SECRET_KEY", "TRUSTED_PROXIES", "SMTP_HOST", "MEDIATOR_URL",
            "RANKING_WEIGHT_PRICE"} <= expected  # the walk reaches nested settings and the weights
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", deploying_section()))
    assert sorted(expected - documented) == []


def test_the_deploying_section_names_the_release_step() -> None:
    assert "python -m storefront.manage migrate" in deploying_section()
