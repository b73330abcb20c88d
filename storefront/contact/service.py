"""The contact form's rules: topics, limits, validation and storing a message with its acknowledgement.

A message is stored and its acknowledgement queued in one transaction, so nobody is told "received" for a
message that was not kept. The hourly limit is counted from the stored rows inside that same transaction,
so it holds across workers.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from storefront.accounts.service import looks_like_email, normalise_email
from storefront.contact.states import ContactStatus
from storefront.contact.tables import ContactMessage
from storefront.db import write_transaction
from storefront.errors import refuse_if
from storefront.mail import outbox
from storefront.settings import Settings

TOPICS: dict[str, str] = {
    "order": "An order",
    "product": "A product or offer",
    "account": "My account",
    "personal_data": "Personal data",
    "other": "Something else",
}
NAME_MAX = 120
MESSAGE_MIN, MESSAGE_MAX = 10, 4_000
ORDER_REFERENCE_MAX = 20
MESSAGES_PER_HOUR = 5
WINDOW = dt.timedelta(hours=1)

ORDER_REFERENCE_SHAPE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,19}")


class TooManyMessages(Exception):
    """This address has sent the most messages an hour allows."""


@dataclass(frozen=True)
class ContactForm:
    name: str
    email: str
    topic: str
    order_reference: str
    message: str

    def values(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "topic": self.topic,
                "order_reference": self.order_reference, "message": self.message}

    def problems(self) -> dict[str, str]:
        """One message per field at fault, written for the person filling the form in."""
        found: dict[str, str] = {}
        if not self.name:
            found["name"] = "Enter your name, so we know how to address you."
        elif len(self.name) > NAME_MAX:
            found["name"] = f"Keep your name to {NAME_MAX} characters or fewer (it has {len(self.name)})."
        if not self.email:
            found["email"] = "Enter your e-mail address: our answer goes there."
        elif not looks_like_email(self.email):
            found["email"] = "Enter an e-mail address like name@example.com."
        if self.topic not in TOPICS:
            found["topic"] = "Choose what your message is about."
        if self.order_reference and not ORDER_REFERENCE_SHAPE.fullmatch(self.order_reference):
            found["order_reference"] = ("An order reference has letters, digits and dashes only, like EN-7KQ2MX4P; "
                                        "leave it empty if you have none.")
        if len(self.message) < MESSAGE_MIN:
            found["message"] = f"Write your message in at least {MESSAGE_MIN} characters."
        elif len(self.message) > MESSAGE_MAX:
            found["message"] = (f"Keep your message to {MESSAGE_MAX:,} characters or fewer "
                                f"(it has {len(self.message):,}).")
        return found


def read_form(form: dict[str, str]) -> ContactForm:
    """The submitted fields, tidied the way they are stored (trimmed, e-mail lower-cased, reference upper-cased)."""
    return ContactForm(
        name=" ".join(str(form.get("name") or "").split()),
        email=normalise_email(str(form.get("email") or "")),
        topic=str(form.get("topic") or ""),
        order_reference=str(form.get("order_reference") or "").strip().upper(),
        message=str(form.get("message") or "").replace("\r\n", "\n").strip(),
    )


async def send_message(form: ContactForm, *, account_id: int | None, settings: Settings,
                       now: dt.datetime | None = None) -> int:
    """Stores a message and queues its acknowledgement; Refused when a field is at fault, TooManyMessages past
    the hourly limit."""
    refuse_if(form.problems())
    now = now or dt.datetime.now(dt.UTC)
    async with write_transaction(ContactMessage._meta.db):
        recent = await ContactMessage.count().where(
            (ContactMessage.email == form.email) & (ContactMessage.created_at >= now - WINDOW))
        if recent >= MESSAGES_PER_HOUR:
            raise TooManyMessages()
        message = ContactMessage(created_at=now, account=account_id, name=form.name, email=form.email,
                                 topic=form.topic, order_reference=form.order_reference, message=form.message,
                                 status=ContactStatus.open)
        await message.save()
        # The acknowledgement does not repeat the message: the form must not relay text to any address typed in.
        reference = f"C-{message.id}"
        await outbox.queue(
            to=form.email, kind="contact_received",
            subject=f"{settings.brand_name}: we received your message ({reference})",
            body=(f"Hello {form.name},\n\n"
                  f"We received your message about {TOPICS[form.topic].lower()}"
                  + (f" (order {form.order_reference})" if form.order_reference else "")
                  + f". Its reference is {reference}.\n\n"
                  "A person on our support team reads every message and answers by e-mail. If your question is "
                  "about a product you received, the quickest way is \"Get help\" on the order in My orders: "
                  "the seller sees your request at once.\n\n"
                  f"If you did not write to {settings.brand_name}, you can ignore this e-mail.\n"))
    return message.id
