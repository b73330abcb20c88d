"""What every page reads about the signed-in person: the few account fields the header, the guards and the
handlers use. Plain reads, no HTTP here."""
from __future__ import annotations

from typing import Any

from storefront.accounts.tables import Account


async def viewer_account(account_id: int) -> dict[str, Any] | None:
    """Id, e-mail, name, role and seller of an account; None once it no longer exists."""
    return await Account.select(
        Account.id, Account.email, Account.name, Account.role, Account.seller
    ).where(Account.id == account_id).first()
