"""A counter per series and the documents issued from it.

The parties are plain ids, not foreign keys: an issued document is a record the platform keeps for as long
as the law asks, and deleting a seller, an account or an order must neither take it along (a hole in the
sequence) nor be refused because of it. What the document says about its parties is frozen in `content`.
"""
from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.documents.states import DocumentKind


class DocumentCounter(Table):
    """The last number issued in a series ("ST-2026-"): raised by one conditional UPDATE in the transaction
    that inserts the document, so a rolled-back issue gives its number back and two issues queue on the row."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    series = Varchar(length=20, unique=True)
    last_number = Integer(default=0)


class Document(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    kind = Varchar(length=12, choices=DocumentKind, index=True)
    series = Varchar(length=20)
    number = Integer()
    code = Varchar(length=32, unique=True)  # series + number: one number once per series
    # What the document is of, once: "<kind>:seller:<id>:<YYYY-MM>" or "receipt:order:<id>". A second issue
    # finds the first here, whoever asks and however often.
    subject = Varchar(length=60, unique=True)
    seller_id = Integer(null=True, default=None, index=True)
    order_id = Integer(null=True, default=None, index=True)
    account_id = Integer(null=True, default=None, index=True)  # the buyer of a receipt
    party_name = Varchar(length=200, default="")
    period = Varchar(length=7, default="")  # YYYY-MM for monthly documents, empty for a receipt
    issued_at = Timestamptz()
    total_cents = Integer(default=0)
    currency = Varchar(length=3, default="EUR")
    # The figures and identities as they were at issue (JSON): a re-download renders exactly this.
    content = Text()
