"""Which endpoint addresses a seller may give: https on the public internet in production; in the demo store
(and the tests) also http and this machine. Each rule's message, one test each."""
from __future__ import annotations

import ipaddress

import pytest

from storefront.webhooks.endpoints import PRIVATE_ADDRESS, EndpointInput, is_public
from storefront.webhooks.sender import Undeliverable, target_of


def problem(url: str, *, demo: bool = False) -> str | None:
    return EndpointInput(url).problems(demo=demo).get("url")


def test_a_public_https_address_is_taken() -> None:
    assert problem("https://hooks.example.com/encore?shop=7") is None


def test_an_empty_address_is_refused() -> None:
    assert problem("  ") == ("Give the address your server receives events at, such as "
                             "https://example.com/encore.")


def test_an_address_longer_than_500_characters_is_refused() -> None:
    assert problem("https://example.com/" + "a" * 481) == "Keep the address to 500 characters or fewer."


def test_an_address_with_a_space_is_refused() -> None:
    assert problem("https://exa mple.com/") == ("The address may contain no spaces and no accented letters (use the "
                                                "punycode form of a name).")


def test_another_scheme_is_refused() -> None:
    assert problem("ftp://example.com/hooks") == ("Give a full address starting with https://, such as "
                                                  "https://example.com/encore.")


def test_http_is_refused_in_production() -> None:
    assert problem("http://hooks.example.com/") == ("The address must start with https://: events carry your orders "
                                                    "and travel encrypted.")


def test_http_is_taken_in_the_demo_store() -> None:
    assert problem("http://hooks.example.com/", demo=True) is None


def test_a_user_name_and_password_are_refused() -> None:
    assert problem("https://shop:secret@example.com/") == ("Leave the user name and password out of the address: "
                                                           "every event is signed instead.")


def test_a_fragment_is_refused() -> None:
    assert problem("https://example.com/hooks#here") == "Leave out the part after #: it is never sent to a server."


def test_a_port_out_of_range_is_refused() -> None:
    assert problem("https://example.com:70000/") == "The port after : must be a number from 1 to 65535."


def test_a_port_of_zero_is_refused() -> None:
    assert problem("https://example.com:0/") == "The port after : must be a number from 1 to 65535."


def test_brackets_without_an_ipv6_address_are_refused() -> None:
    assert problem("https://[example.com]/") == "The part in [ ] is not an IPv6 address."


# Shorthands such as 127.1 or 2130706433 are 127.0.0.1 to the resolver: not names, and not taken as addresses.
@pytest.mark.parametrize("url", ["https://exa_mple.com/", "https://-shop.example/", "https://%41.example/",
                                 "https://127.1/", "https://0x7f.1/", "https://2130706433/", "https://./"])
def test_a_name_that_is_not_a_host_name_is_refused(url: str) -> None:
    assert problem(url, demo=True) == ("The server's name is not a valid host name (letters, digits and hyphens, "
                                       "between dots).")


@pytest.mark.parametrize("url", ["https://127.0.0.1/hooks", "https://10.1.2.3/", "https://192.168.0.10/",
                                 "https://169.254.169.254/latest/meta-data", "https://[::1]/", "https://[fd00::1]/",
                                 "https://[::ffff:10.0.0.1]/", "https://100.64.0.1/", "https://localhost/",
                                 "https://printer.local/", "https://intranet/", "https://api.internal./"])
def test_private_and_loopback_addresses_are_refused_in_production(url: str) -> None:
    assert problem(url) == PRIVATE_ADDRESS


def test_loopback_is_taken_in_the_demo_store() -> None:
    assert problem("http://127.0.0.1:8123/hooks", demo=True) is None


async def test_the_sender_does_not_post_to_a_name_that_leads_to_this_machine_in_production() -> None:
    with pytest.raises(Undeliverable, match=r"localhost leads to .* which is not on the public internet"):
        await target_of("https://localhost/hooks", public_only=True)


async def test_the_sender_does_not_post_to_a_private_address_in_production() -> None:
    with pytest.raises(Undeliverable, match=r"10\.0\.0\.7 leads to 10\.0\.0\.7,"):
        await target_of("https://10.0.0.7/hooks", public_only=True)


async def test_the_sender_posts_only_to_https_in_production() -> None:
    with pytest.raises(Undeliverable, match="Only https"):
        await target_of("http://93.184.215.14/hooks", public_only=True)


async def test_the_sender_posts_to_the_address_it_checked_with_the_name_in_host_and_sni() -> None:
    target = await target_of("https://93.184.215.14:8443/hooks?shop=7", public_only=True)
    assert str(target.url) == "https://93.184.215.14:8443/hooks?shop=7"
    assert target.headers == {"Host": "93.184.215.14:8443"}
    assert target.extensions == {"sni_hostname": "93.184.215.14"}


@pytest.mark.parametrize(("address", "public"), [
    ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
    ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
    ("64:ff9b:1::1", False),  # local-use NAT64
    ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
    ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
    ("::a9fe:a9fe", False),  # IPv4-compatible
    ("::ffff:10.0.0.1", False),  # IPv4-mapped
    ("2606:4700::1111", True),
])
def test_ipv6_addresses_are_judged_by_the_ipv4_address_they_carry(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public
