"""axe-core, installed from npm at set-up, run inside the page: no serious or critical violation may remain."""
from __future__ import annotations

from pathlib import Path

from tests.browser.csp import csp_violations

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page) -> list[str]:
    """The serious and critical violations on the page as it is now, one line each, with where they are."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: `make test` installs it from package.json")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by the driver, not added as an inline <script>, which the store's Content-Security-Policy
        # refuses as it would any other.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']}; " + ", ".join(str(n["target"]) for n in v["nodes"][:4])
            for v in result["violations"] if v["impact"] in BLOCKING]


def assert_accessible(page) -> None:
    """No serious or critical axe violation, and nothing refused by the Content-Security-Policy (a style or
    script it blocked is a part of the page that does not work for anyone)."""
    found = violations(page) + csp_violations(page)
    assert not found, f"{page.url}:\n  " + "\n  ".join(found)
