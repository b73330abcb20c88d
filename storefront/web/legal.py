"""Transparency pages generated from the configuration the code runs on."""
from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from storefront.ranking import PARAMETERS, TUNING
from storefront.settings import Settings


@get("/legal/ranking", name="ranking_explained", cache_control=None)
async def ranking_explained(settings: NamedDependency[Settings]) -> Template:
    weights = dict(settings.ranking.items())
    return Template(template_name="pages/ranking.html", context={
        "parameters": [(p, weights[p.key]) for p in PARAMETERS],
        "tuning": TUNING,
    })
