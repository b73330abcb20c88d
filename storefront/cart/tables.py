from piccolo.columns import JSON, UUID, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from storefront.accounts.tables import Account
from storefront.sellers.tables import Offer


class Cart(Table):
    # A UUID, not a sequence: cart ids travel in sessions and must not be guessable.
    id = UUID(primary_key=True)
    account = ForeignKey(Account, null=True, default=None, index=True)
    # The checkout's progress: address, shipping confirmation, means of payment, idempotency key.
    checkout = JSON(default="{}")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CartLine(Table):
    """One line per offer in a cart: a unique index on (cart, offer), made by a migration (Piccolo declares no
    index over two columns), lets concurrent add-to-carts meet in one row."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    cart = ForeignKey(Cart, index=True)
    offer = ForeignKey(Offer)
    quantity = Integer(default=1)
    # Frozen when added: the price the shopper saw.
    unit_price_cents = Integer()
    shipping_cents = Integer(default=0)
    currency = Varchar(length=3, default="EUR")
    added_at = Timestamptz()
