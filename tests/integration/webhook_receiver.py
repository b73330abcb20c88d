"""A webhook receiver stand-in: a tiny HTTP server on a free loopback port, on a thread of its own, that keeps
every request it gets and answers what the test tells it to (a status, or nothing for a while)."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.integration.smtp_standin import free_port


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int
    # What the next requests are answered: a status, after `delay` seconds.
    status: int = 200
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/encore/webhooks"

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [request.event for request in self.requests]

    def wait_for(self, expected: int, seconds: float = 20) -> int:
        """Polls until `expected` requests arrived or `seconds` passed; returns how many did."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(self.requests) < expected:
            time.sleep(0.05)
        return len(self.requests)


def start_receiver() -> tuple[ThreadingHTTPServer, Receiver]:
    receiver = Receiver(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # a sender posts a batch side by side

    server = Server(("127.0.0.1", receiver.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, receiver
