from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.accounts.tables import Account
from storefront.moderation.states import ComplaintStatus, Ground, Measure, NoticeStatus


class Decision(Table):
    """A measure taken by the operator, with its statement of reasons (DSA Art. 17)."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    # review | seller | product | offer
    subject_type = Varchar(length=12, index=True)
    subject_id = Integer(index=True)
    measure = Varchar(length=60, choices=Measure)
    facts = Text()
    ground = Varchar(length=80, choices=Ground)
    ground_detail = Text(default="")
    automated = Boolean(default=False)
    redress = Text()
    recipient_email = Varchar(length=254, default="")
    recipient_account = ForeignKey(Account, null=True, default=None)
    decided_by = ForeignKey(Account, null=True, default=None)
    decided_at = Timestamptz()
    contest_until = Timestamptz()


class Complaint(Table):
    """An internal complaint against a decision; it goes back to the operator's queue."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    decision = ForeignKey(Decision, index=True)
    account = ForeignKey(Account, null=True, default=None)
    message = Text()
    status = Varchar(length=12, choices=ComplaintStatus, default=ComplaintStatus.open, index=True)
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)


class AuditEntry(Table):
    """Append-only: the console can add to it and read it, never edit or delete it."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    actor = ForeignKey(Account, null=True, default=None)
    action = Varchar(length=60)
    subject_type = Varchar(length=12)
    subject_id = Integer()
    detail = Text(default="")
    created_at = Timestamptz(index=True)


class Notice(Table):
    """A notice of illegal content from anyone, with or without an account (DSA Art. 16)."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    # offer | product | review | url (a page we could not tie to a listing; subject_id is then null)
    subject_type = Varchar(length=12, index=True)
    subject_id = Integer(null=True, default=None, index=True)
    category = Varchar(length=40)
    explanation = Text()
    location = Text()
    name = Varchar(length=200)
    email = Varchar(length=254, index=True)
    reporter_account = ForeignKey(Account, null=True, default=None)
    good_faith = Boolean(default=False)
    status = Varchar(length=12, choices=NoticeStatus, default=NoticeStatus.open, index=True)
    outcome = Text(default="")
    handled_by = ForeignKey(Account, null=True, default=None)
    created_at = Timestamptz(index=True)
    handled_at = Timestamptz(null=True, default=None)
