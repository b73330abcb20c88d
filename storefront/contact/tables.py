"""Tables of this app; see the package docstring."""
from piccolo.columns import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.accounts.tables import Account
from storefront.contact.states import ContactStatus


class ContactMessage(Table):
    """A message sent through the contact form, by anyone; `account` is set when the sender was signed in."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    # Indexed: the hourly limit counts one address's messages since a moment.
    created_at = Timestamptz(index=True)
    account = ForeignKey(Account, null=True, default=None)
    name = Varchar(length=120)
    email = Varchar(length=254, index=True)
    # order | product | account | personal_data | other
    topic = Varchar(length=20)
    order_reference = Varchar(length=20, default="")
    message = Text()
    status = Varchar(length=12, choices=ContactStatus, default=ContactStatus.open, index=True)
