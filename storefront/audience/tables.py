"""Tables of this app: the month's marks and key while the month runs, then only the month's figure."""
from piccolo.columns import Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class ActiveRecipientMark(Table):
    """One person, or one device browsing without an account, seen in one calendar month (UTC).

    Holds keyed hashes only; they are deleted, with their key, when the month is counted.
    """

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    month = Varchar(length=7, index=True)  # "2026-11"
    visitor_hash = Varchar(length=32)
    person_hash = Varchar(length=32, default="")  # "" when the visitor was not signed in
    # Hash of the three columns above: the unique key that lets every worker insert with ON CONFLICT DO NOTHING.
    mark = Varchar(length=32, unique=True)


class AudienceSalt(Table):
    """The month's random key for the hashes above; deleted at roll-up so the marks cannot be linked to anyone."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    month = Varchar(length=7, unique=True)
    salt = Varchar(length=64)  # 32 random bytes, hex


class MonthlyActiveRecipients(Table):
    """The number of active recipients of one complete month: all that is kept once the month is counted."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    month = Varchar(length=7, unique=True)
    recipients = Integer()
    computed_at = Timestamptz()
