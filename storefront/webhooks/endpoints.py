"""A seller's webhook endpoint: the address it gives, the secret we give it, on or off, and the test event.

The address rules (`EndpointInput.problems`) depend on the store: production accepts only https addresses on
the public internet (events carry orders, and the store must not be made to post into its own network); the
demo store, and the tests, also take http and local addresses, so a receiver on this machine can be tried.
The sender checks the addresses a host name resolves to again at each attempt (storefront.webhooks.sender):
a name may be pointed at a private address after it was saved.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from storefront.db import write_transaction
from storefront.errors import Refused, refuse_if
from storefront.settings import Settings
from storefront.webhooks.outbox import record_event
from storefront.webhooks.signing import new_secret
from storefront.webhooks.states import EventType
from storefront.webhooks.tables import URL_LENGTH, WebhookEndpoint

# A host name as DNS has it: labels of letters, digits and inner hyphens, up to 63 characters, between dots.
HOST_NAME = re.compile(r"(?=.{1,253}\.?$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?", re.IGNORECASE)
# Names that never lead out of the network they are asked from.
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".lan", ".home.arpa")
NO_ENDPOINT = "Give your endpoint's address first."
PRIVATE_ADDRESS = "This address is not on the public internet: give one our servers can reach from outside."


# IPv6 ranges that carry an IPv4 address inside (NAT64, RFC 6052 and 8215; IPv4-compatible, RFC 4291): a
# gateway on the way may deliver them to that IPv4 address, so they are judged by it, or refused.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An address anyone on the internet reaches: not loopback, private, link-local, shared or reserved, nor an
    IPv6 address that wraps one of those (IPv4-mapped, 6to4, Teredo, NAT64, IPv4-compatible)."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in _NAT64):
            if address not in _NAT64[0]:
                return False  # the local-use NAT64 prefix: whatever it wraps stays inside the network
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address in _IPV4_COMPATIBLE:
            return False
        wrapped = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if wrapped is not None:
            return is_public(wrapped)
    return address.is_global and not address.is_multicast


def is_local_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == LOCAL_NAMES[0] or host.endswith(LOCAL_NAMES[1:])


@dataclass(frozen=True)
class EndpointInput:
    """The address a seller types in the portal."""

    url: str

    def problems(self, *, demo: bool) -> dict[str, str]:
        url = self.url.strip()
        if not url:
            return {"url": "Give the address your server receives events at, such as https://example.com/encore."}
        if len(url) > URL_LENGTH:
            return {"url": f"Keep the address to {URL_LENGTH} characters or fewer."}
        if not url.isascii() or any(ch.isspace() or not ch.isprintable() for ch in url):
            return {"url": "The address may contain no spaces and no accented letters (use the punycode form of a "
                           "name)."}
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:  # brackets that hold no IPv6 address
            return {"url": "The part in [ ] is not an IPv6 address."}
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return {"url": "Give a full address starting with https://, such as https://example.com/encore."}
        if parts.scheme == "http" and not demo:
            return {"url": "The address must start with https://: events carry your orders and travel encrypted."}
        if parts.username is not None or parts.password is not None:
            return {"url": "Leave the user name and password out of the address: every event is signed instead."}
        if parts.fragment:
            return {"url": "Leave out the part after #: it is never sent to a server."}
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            return {"url": "The port after : must be a number from 1 to 65535."}
        if not host:
            return {"url": "Give a full address starting with https://, such as https://example.com/encore."}
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            if not HOST_NAME.fullmatch(host) or host.rstrip(".").rsplit(".", 1)[-1].isdigit():
                return {"url": "The server's name is not a valid host name (letters, digits and hyphens, between "
                               "dots)."}
            if not demo and (is_local_name(host) or "." not in host.rstrip(".")):
                return {"url": PRIVATE_ADDRESS}
        else:
            if not demo and not is_public(address):
                return {"url": PRIVATE_ADDRESS}
        return {}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def save_endpoint(seller_id: int, url: str, settings: Settings) -> None:
    """Sets (or changes) the seller's address; the first time, a signing secret is made and the endpoint is on."""
    refuse_if(EndpointInput(url).problems(demo=settings.is_demo))
    url, now = url.strip(), _now()
    async with write_transaction(WebhookEndpoint._meta.db):
        changed = await WebhookEndpoint.update({WebhookEndpoint.url: url, WebhookEndpoint.updated_at: now}).where(
            WebhookEndpoint.seller == seller_id).returning(WebhookEndpoint.id)
        if not changed:
            await WebhookEndpoint.insert(WebhookEndpoint(seller=seller_id, url=url, secret=new_secret(),
                                                         enabled=True, created_at=now, updated_at=now))


async def rotate_secret(seller_id: int) -> None:
    """A new signing secret, at once: every delivery from now on is signed with it."""
    async with write_transaction(WebhookEndpoint._meta.db):
        if not await WebhookEndpoint.update({WebhookEndpoint.secret: new_secret(),
                                             WebhookEndpoint.updated_at: _now()}).where(
                WebhookEndpoint.seller == seller_id).returning(WebhookEndpoint.id):
            raise Refused("secret", NO_ENDPOINT)


async def set_enabled(seller_id: int, enabled: bool) -> None:
    """Turns the endpoint on or off. Off, no event is recorded for it, and what waits is not sent."""
    async with write_transaction(WebhookEndpoint._meta.db):
        if not await WebhookEndpoint.update({WebhookEndpoint.enabled: enabled,
                                             WebhookEndpoint.updated_at: _now()}).where(
                WebhookEndpoint.seller == seller_id).returning(WebhookEndpoint.id):
            raise Refused("enabled", NO_ENDPOINT)


async def send_test_event(seller_id: int) -> str:
    """Queues a `ping` event for the seller's endpoint; returns its id. Refused without an endpoint turned on."""
    async with write_transaction(WebhookEndpoint._meta.db):
        endpoint = await WebhookEndpoint.select(WebhookEndpoint.enabled).where(
            WebhookEndpoint.seller == seller_id).first()
        if endpoint is None:
            raise Refused("test", NO_ENDPOINT)
        if not endpoint["enabled"]:
            raise Refused("test", "Turn the endpoint on first: while it is off it receives nothing.")
        event_id = await record_event(seller_id, EventType.ping, {
            "message": "A test event from the seller portal. Nothing happened to your orders."})
    assert event_id is not None  # the endpoint is on, in this transaction
    return event_id
