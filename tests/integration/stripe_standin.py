"""A stand-in for the parts of Stripe's API that localstripe does not implement: Checkout Sessions (create,
retrieve), with just enough of PaymentIntents and refunds to refund what a session was paid with.

It runs on a free loopback port in a thread, answers with bodies shaped like Stripe's documented objects and
records every request (method, path, form parameters, Idempotency-Key), so a test asserts on what the adapter
sent. Like Stripe, a key sent again with the same parameters gives the first answer back, and with other
parameters is refused. The test plays the buyer and Stripe's side with `pay` and `expire`; for a browser, a
session's `url` is a small hosted page whose "Pay" button pays it, posts the signed `checkout.session.completed`
event to `webhook_url` (when set) and sends the buyer to the session's `success_url`, as Stripe does.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None


@dataclass
class StripeStandIn:
    base_url: str = ""
    seen: list[SeenRequest] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    answers_by_key: dict[str, tuple[dict[str, str], int, dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    webhook_url: str = ""
    webhook_secret: str = ""

    def posted(self, path: str) -> list[SeenRequest]:
        return [request for request in self.seen if request.method == "POST" and request.path == path]

    def pay(self, session_id: str, intent_id: str) -> None:
        """The buyer pays on the hosted page: the session completes, its PaymentIntent succeeds."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid", payment_intent=intent_id)
        self.intents[intent_id] = {"id": intent_id, "object": "payment_intent", "amount": session["amount_total"],
                                   "amount_received": session["amount_total"], "currency": session["currency"],
                                   "status": "succeeded", "metadata": session["metadata"]}

    def completed_event(self, session_id: str) -> bytes:
        return json.dumps({"id": f"evt_standin_{session_id}", "object": "event", "type": "checkout.session.completed",
                           "data": {"object": self.sessions[session_id]}}).encode()

    def notify_store(self, session_id: str) -> None:
        """What Stripe does once a session is paid: the signed event, posted to the store's webhook."""
        body = self.completed_event(session_id)
        at = int(time.time())
        digest = hmac.new(self.webhook_secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(self.webhook_url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Stripe-Signature": f"t={at},v1={digest}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200

    def hosted_page(self, session_id: str) -> str:
        session = self.sessions[session_id]
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stand-in checkout</title>'
                f'</head><body><main><h1>Pay {session["amount_total"] / 100:.2f} '
                f'{html.escape(session["currency"].upper())}</h1>'
                f'<form method="post" action="/c/pay/{session_id}"><button>Pay</button></form></main></body></html>')

    def expire(self, session_id: str) -> None:
        self.sessions[session_id].update(status="expired", url=None)

    # --- what the server answers -------------------------------------------------------------------------------

    def answer(self, method: str, path: str, params: dict[str, str], key: str | None) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.seen.append(SeenRequest(method, path, params, key))
            if method == "POST" and key is not None and key in self.answers_by_key:
                first_params, status, body = self.answers_by_key[key]
                if first_params != params:
                    return 400, {"error": {"type": "idempotency_error", "message": "Keys for idempotent requests "
                                           "can only be used with the same parameters they were first used with."}}
                return status, body
            status, body = self._route(method, path, params)
            if method == "POST" and key is not None:
                self.answers_by_key[key] = (params, status, body)
            return status, body

    def _route(self, method: str, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(params)
        if method == "POST" and parts[:3] == ["v1", "checkout", "sessions"] and parts[4:] == ["expire"]:
            session = self.sessions.get(parts[3])
            if session is None:
                return self._missing(parts[3])
            if session["status"] != "open":
                return 400, {"error": {"type": "invalid_request_error", "message": "Only Checkout Sessions with a "
                                       f"status in [\"open\"] can be expired; it is {session['status']}."}}
            self.expire(parts[3])
            return 200, session
        if method == "GET" and parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4:
            return (200, self.sessions[parts[3]]) if parts[3] in self.sessions else self._missing(parts[3])
        if method == "GET" and parts[:2] == ["v1", "payment_intents"] and len(parts) == 3:
            return (200, self.intents[parts[2]]) if parts[2] in self.intents else self._missing(parts[2])
        if method == "GET" and path == "/v1/refunds":
            found = [r for r in self.refunds if r["payment_intent"] == params.get("payment_intent")]
            return 200, {"object": "list", "url": "/v1/refunds", "has_more": False, "data": found[::-1]}
        if method == "POST" and path == "/v1/refunds":
            refund = {"id": f"re_standin_{len(self.refunds) + 1}", "object": "refund",
                      "amount": int(params["amount"]), "currency": "eur", "status": "succeeded",
                      "payment_intent": params["payment_intent"],
                      "metadata": {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[")}}
            self.refunds.append(refund)
            return 200, refund
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL {path}"}}

    def _create_session(self, params: dict[str, str]) -> dict[str, Any]:
        number = len(self.sessions) + 1
        session_id = f"cs_test_standin{number}"
        metadata = {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[")}
        session = {
            "id": session_id, "object": "checkout.session", "mode": params["mode"], "status": "open",
            "payment_status": "unpaid", "payment_intent": None,
            "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
            "currency": params["line_items[0][price_data][currency]"],
            "client_reference_id": params.get("client_reference_id"), "metadata": metadata,
            "success_url": params["success_url"], "cancel_url": params["cancel_url"],
            "expires_at": int(params["expires_at"]) if "expires_at" in params else None,
            "url": f"{self.base_url}/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return session

    @staticmethod
    def _missing(object_id: str) -> tuple[int, dict[str, Any]]:
        return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                               "message": f"No such object: '{object_id}'"}}


@contextmanager
def stripe_standin() -> Iterator[StripeStandIn]:
    standin = StripeStandIn()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            if url.path.startswith("/c/pay/"):
                return self._hosted(url.path.removeprefix("/c/pay/"))
            length = int(self.headers.get("Content-Length", 0) or 0)
            form = self.rfile.read(length).decode() if length else url.query
            status, body = standin.answer(self.command, url.path, dict(parse_qsl(form)),
                                          self.headers.get("Idempotency-Key"))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _hosted(self, session_id: str) -> None:
            """The buyer's side: the page, then its Pay button."""
            if session_id not in standin.sessions:
                self.send_error(404)
                return
            if self.command == "POST":
                standin.pay(session_id, f"pi_standin_{session_id}")
                if standin.webhook_url:
                    standin.notify_store(session_id)
                self.send_response(303)
                self.send_header("Location", standin.sessions[session_id]["success_url"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            page = standin.hosted_page(session_id).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
