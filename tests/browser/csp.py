"""What the store's Content-Security-Policy refused on a page: an inline style or script it blocked is a part
of the page that silently does not work. `LISTEN` runs before the page's own scripts (Playwright's init
scripts are not subject to the policy), so violations during parsing are caught too."""
from __future__ import annotations

LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`);
});
"""


def csp_violations(page) -> list[str]:
    """What the policy refused since the page loaded (htmx swaps included), one line each."""
    return page.evaluate("() => window.__cspViolations || []")


def wait_for(page, expression: str, timeout_ms: int = 10_000) -> None:
    """Playwright's `wait_for_function` polls inside the page with `eval`, which the policy refuses (no
    'unsafe-eval'); `page.evaluate` goes through the DevTools protocol, which the policy does not govern.
    So poll from here, as often as Playwright would."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(f"() => Boolean({expression})"):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
