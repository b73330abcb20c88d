from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxEmail(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    to_address = Varchar(length=254, index=True)
    subject = Varchar(length=200)
    body = Text()
    # What the message is about, so tests and the mailbox can find it: "order_placed", "password_reset", …
    kind = Varchar(length=40, index=True)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")
    # A sender claims a message before sending it (storefront.mail.outbox): nobody else takes it until
    # `claimed_until`, which after a failed attempt also says when to try again.
    claimed_by = Varchar(length=32, null=True, default=None)
    claimed_until = Timestamptz(null=True, default=None, index=True)
