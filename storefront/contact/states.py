"""The states of a message sent through the contact form, as stored in `ContactMessage.status`."""
from enum import StrEnum


class ContactStatus(StrEnum):
    open = "open"
    answered = "answered"
    closed = "closed"
