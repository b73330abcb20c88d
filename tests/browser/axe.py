"""axe-core, installed from npm at set-up, run inside the page: no serious or critical violation may remain."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page) -> list[str]:
    """The serious and critical violations on the page as it is now, one line each, with where they are."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: `make test` installs it from package.json")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']}; " + ", ".join(str(n["target"]) for n in v["nodes"][:4])
            for v in result["violations"] if v["impact"] in BLOCKING]


def assert_accessible(page) -> None:
    found = violations(page)
    assert not found, f"{page.url}:\n  " + "\n  ".join(found)
