"""API tokens: a seller's credentials for /api/seller/v1, created and revoked in the seller portal."""
from piccolo.columns import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.table import Table

from storefront.sellers.tables import Seller


class ApiToken(Table):
    """One token of one seller. The token itself is shown once, at creation, and never stored: only its
    SHA-256 (`token_hash`) and a short public `prefix` that lets the seller tell its tokens apart."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller = ForeignKey(Seller, index=True)
    name = Varchar(length=80)
    prefix = Varchar(length=16)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    # Written at most once a minute per token (storefront.api.tokens.USE_NOTED_EVERY), not on every request.
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None, index=True)
