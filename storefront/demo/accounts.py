"""Demo sign-ins, so every side of the shop can be tried at once. Documented in the README; a real
deployment loads no demo data."""
from __future__ import annotations

import datetime as dt

from storefront.accounts.passwords import hash_password
from storefront.accounts.service import ensure_account
from storefront.accounts.tables import Account
from storefront.demo.generate import DemoCatalogue

SHOPPER = ("shopper@encore.example", "Camille Martin", "encore-demo-shopper")
OPERATOR = ("operator@encore.example", "Operations team", "encore-demo-operator")
SELLER_PASSWORD = "encore-demo-seller"
SELLER_ACCOUNTS = 25  # one per demo seller; a benchmark-scale catalogue does not need hundreds


async def load_demo_accounts(catalogue: DemoCatalogue) -> None:
    await ensure_account(*SHOPPER)
    await ensure_account(*OPERATOR, role="operator")
    # One argon2 hash for every seller user: they share the demo password, and hashing is slow on purpose.
    shared_hash = hash_password(SELLER_PASSWORD)
    now = dt.datetime.now(dt.UTC)
    await Account.insert(*(
        Account(email=seller["email"], name=f"{seller['name']} team", password_hash=shared_hash, role="seller",
                seller=seller["id"], created_at=now)
        for index, seller in enumerate(catalogue.sellers)
        if index < SELLER_ACCOUNTS or seller["status"] == "pending"
    ))
