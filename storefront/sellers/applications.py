"""Becoming a seller: a refurbisher applies at /seller/apply with its account, its shop's name and its trader
details (DSA Art. 30), and stays pending until the operator references it (storefront.moderation.referencing).

The account follows the sign-up's rules (storefront.accounts.service): the same checks on name, e-mail and
password, an address confirmed by a link before anyone signs in, and one answer whether or not the address
already has an account, the work done after the response. A confirmed address gets a note and nothing is made;
a new one gets a pending seller, its seller account (unconfirmed) and the confirmation link, which signs in to
the seller portal; an unconfirmed one is taken over by the latest application, as a sign-up takes it over.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from storefront.accounts.passwords import hash_password
from storefront.accounts.service import account_by_email, confirmation_token, normalise_email, sign_up_problems
from storefront.accounts.states import Role
from storefront.accounts.tables import Account
from storefront.catalog.slugs import slugify
from storefront.db import write_transaction
from storefront.errors import refuse_if
from storefront.mail.outbox import queue
from storefront.moderation.decisions import audit
from storefront.sellers.services import TRACEABILITY_FIELDS, CompanyDetails, read_company_form
from storefront.sellers.states import SellerStatus
from storefront.sellers.tables import Seller
from storefront.settings import Settings

SHOP_NAME_MAX = 120
# The sign-up's field names, as this form names them (the company's own "email" is a traceability field).
ACCOUNT_FIELDS = {"name": "account_name", "email": "account_email", "password": "password"}


@dataclass(frozen=True)
class SellerApplication:
    account_name: str
    account_email: str
    password: str
    shop_name: str
    company: CompanyDetails
    accepted_conditions: bool

    def problems(self) -> dict[str, str]:
        found = {ACCOUNT_FIELDS[p.field]: p.message
                 for p in sign_up_problems(self.account_email, self.account_name, self.password)}
        if not self.shop_name:
            found["shop_name"] = "Give the name buyers will see on your offers."
        elif len(self.shop_name) > SHOP_NAME_MAX:
            found["shop_name"] = f"Keep it to {SHOP_NAME_MAX} characters or fewer (it has {len(self.shop_name)})."
        found.update(self.company.problems())
        if not self.accepted_conditions:
            found["accepted_conditions"] = "Accept the seller conditions and the quality charter to apply."
        return found

    def values(self) -> dict[str, str]:
        """What the form shows again: everything but the password."""
        return {"account_name": self.account_name, "account_email": self.account_email, "shop_name": self.shop_name,
                **self.company.stored(), "self_certified": "yes" if self.company.self_certified else "",
                "accepted_conditions": "yes" if self.accepted_conditions else ""}


def read_application(form: Mapping[str, Any]) -> SellerApplication:
    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    return SellerApplication(
        account_name=" ".join(text("account_name").split()), account_email=normalise_email(text("account_email")),
        password=text("password"), shop_name=" ".join(text("shop_name").split()),
        company=read_company_form({name: text(name) for name in (*TRACEABILITY_FIELDS, "self_certified")}),
        accepted_conditions=text("accepted_conditions") == "yes")


async def _unique_seller_slug(name: str) -> str:
    base = slugify(name) or "seller"
    slug, number = base, 1
    while await Seller.exists().where(Seller.slug == slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


async def apply_to_sell(settings: Settings, application: SellerApplication, *, may_mail: bool) -> int | None:
    """The work behind the application's one answer, done after it. A new address gets a pending seller and its
    unconfirmed seller account; an unconfirmed one (a sign-up or an application nobody confirmed) is taken over,
    as the sign-up does: it becomes this application's, with a pending seller of its own or the one it had, and
    only the mailbox's owner can confirm it. Both get a confirmation link. A confirmed address gets a note and
    nothing else. `may_mail` is False once the address has had its share of account e-mails. Returns the
    pending seller's id, or None when nothing was made."""
    refuse_if(application.problems())
    email = application.account_email
    password_hash = hash_password(application.password)  # on every path, so all cost the same
    existing = await account_by_email(email)
    if existing is not None and (existing["confirmed_at"] is not None or existing["role"] not in (Role.shopper,
                                                                                                  Role.seller)):
        if may_mail:
            await _send_taken_note(settings, existing)
        return None
    try:
        seller_id, account_id = await _record(application, password_hash, existing)
    except Exception:
        if existing is None and await account_by_email(email) is not None:
            return None  # another application or sign-up for the address got there first: it sends the mail
        raise
    if may_mail:
        row = await Account.select().where(Account.id == account_id).first()
        if row is not None:
            await _send_confirmation(settings, row, application.shop_name)
    return seller_id


async def _record(application: SellerApplication, password_hash: str,
                  unconfirmed: dict[str, Any] | None) -> tuple[int, int]:
    """The pending seller and its unconfirmed account, in one transaction: made, or taken over."""
    now = dt.datetime.now(dt.UTC)
    async with write_transaction(Seller._meta.db):
        seller_id = unconfirmed["seller"] if unconfirmed else None
        if seller_id is not None and not await Seller.exists().where(
                (Seller.id == seller_id) & (Seller.status == SellerStatus.pending)):
            seller_id = None
        values: dict[Column | str, Any] = {getattr(Seller, k): v for k, v in application.company.stored().items()}
        values.update({Seller.name: application.shop_name, Seller.self_certified: application.company.self_certified})
        if seller_id is None:
            seller = Seller(slug=await _unique_seller_slug(application.shop_name), status=SellerStatus.pending,
                            joined_at=now)
            await seller.save()
            seller_id = seller.id
        await Seller.update(values).where(Seller.id == seller_id)
        if unconfirmed is None:
            account = Account(email=application.account_email, name=application.account_name,
                              password_hash=password_hash, role=Role.seller, seller=seller_id, created_at=now,
                              confirmed_at=None)
            await account.save()
            account_id = account.id
        else:
            account_id = unconfirmed["id"]
            await Account.update({Account.name: application.account_name, Account.password_hash: password_hash,
                                  Account.role: Role.seller, Account.seller: seller_id}).where(
                (Account.id == account_id) & Account.confirmed_at.is_null())
        await audit(account_id, "seller applied", "seller", seller_id, "through the public application form")
    return seller_id, account_id


async def _send_confirmation(settings: Settings, account: dict[str, Any], shop_name: str) -> None:
    token = confirmation_token(account, secret=settings.secret_key)
    await queue(to=account["email"], kind="seller_application", subject=f"Confirm your {settings.brand_name} "
                "seller account", body=(
        f"Hello {account['name']},\n\nThank you for applying to sell on {settings.brand_name} as {shop_name}. "
        f"Confirm your e-mail address to open your seller portal. This link signs you in and works once, for "
        f"24 hours:\n\n{settings.public_base_url}/signup/confirm/{token}?next=/seller/\n\n"
        f"We then check your company details and e-mail you when your shop is referenced and your offers can go "
        f"on sale. If you did not apply, ignore this message: nothing goes further without this link.\n"))


async def _send_taken_note(settings: Settings, account: dict[str, Any]) -> None:
    await queue(to=account["email"], kind="seller_application_attempt",
                subject=f"Your {settings.brand_name} account", body=(
        f"Hello {account['name']},\n\nSomeone (we hope you) applied to sell on {settings.brand_name} with this "
        f"e-mail address, which already has an account, so nothing was created. To sell with a new shop, apply "
        f"again with another address, or write to us: {settings.public_base_url}/contact\n\n"
        f"Sign in: {settings.public_base_url}/login\n"))
