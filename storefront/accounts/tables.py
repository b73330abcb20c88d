"""Accounts and web sessions. A session row exists only once something must be remembered."""
from piccolo.columns import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from storefront.accounts.states import Role
from storefront.sellers.tables import Seller


class Account(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    email = Varchar(length=254, unique=True, index=True)
    name = Varchar(length=120)
    # argon2id, with its parameters in the string so they can be raised later (rehash on login).
    password_hash = Varchar(length=200)
    role = Varchar(length=16, choices=Role, default=Role.shopper, index=True)
    # Set for seller users: the one seller whose data they may see.
    seller = ForeignKey(Seller, null=True, default=None)
    created_at = Timestamptz()
    # Set when the owner of the address followed the link we sent it (or a reset link): until then nobody can
    # sign in, so a sign-up never tells whether an address already had an account. Accounts the shop makes
    # itself (sellers' users, operators, demo buyers) are confirmed when made; only a sign-up passes None.
    confirmed_at = Timestamptz(null=True, default=TimestamptzNow())


class WebSession(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    # Only a hash of the cookie's token is stored, so a leaked table cannot be replayed.
    token_hash = Varchar(length=64, unique=True, index=True)
    account = ForeignKey(Account, null=True, default=None, index=True)
    cart_id = Varchar(length=36, null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)
