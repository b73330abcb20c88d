"""An SMTP server stand-in (aiosmtpd, on a thread of its own) on a free loopback port, that keeps what it
receives, so a test counts the e-mails that really left the store."""
from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from email import message_from_bytes

from aiosmtpd.controller import Controller

from storefront.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """What the stand-in received: (recipient, subject) per message, in order of arrival."""

    messages: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.messages.append((recipient, str(message["Subject"])))
        return "250 Message accepted for delivery"

    def counts(self) -> Counter[tuple[str, str]]:
        with self.lock:
            return Counter(self.messages)

    def wait_for(self, expected: int, seconds: float = 20) -> int:
        """Polls until `expected` messages arrived or `seconds` passed; returns how many did."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(self.messages) < expected:
            time.sleep(0.1)
        return len(self.messages)


@dataclass(frozen=True)
class SMTPStandIn:
    """Started by the `smtp` fixture (tests/integration/conftest.py)."""

    host: str
    port: int
    received: Received

    def environment(self) -> dict[str, str]:
        return {"SMTP_HOST": self.host, "SMTP_PORT": str(self.port), "SMTP_STARTTLS": "off"}

    def settings(self, base: Settings) -> Settings:
        return replace(base, smtp_host=self.host, smtp_port=self.port, smtp_starttls=False)


def start_smtp() -> tuple[Controller, SMTPStandIn]:
    received = Received()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, SMTPStandIn("127.0.0.1", controller.port, received)
