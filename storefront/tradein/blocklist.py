"""Is a device reported lost or stolen? Asked behind a Protocol so that a real register (GSMA's, an operator's)
can replace the sandbox list the demo and the tests use.

What happens to a blocklisted device (issue 14, kept simple): it cannot be paid, and counter-offering is not
allowed either; the inspection suspends the trade-in for the operator, who decides with the person and the
refurbisher (storefront/tradein/inspection.py)."""
from __future__ import annotations

from typing import Protocol

# Valid IMEIs (their Luhn digit is right) that the sandbox register says were reported stolen.
SANDBOX_REPORTED = frozenset({"490154203237518", "356938035643809", "353456789012348"})


class Blocklist(Protocol):
    def is_reported(self, imei_or_serial: str) -> bool:
        """True when the device is reported lost or stolen."""
        ...


class SandboxBlocklist:
    """The demo's register: a few IMEIs reported stolen, nothing else."""

    def is_reported(self, imei_or_serial: str) -> bool:
        return imei_or_serial in SANDBOX_REPORTED


def default_blocklist() -> Blocklist:
    return SandboxBlocklist()
