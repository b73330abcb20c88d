"""The states of a review and of a report against one, as stored in their `status` columns."""
from enum import StrEnum


class ReviewStatus(StrEnum):
    """Published without moderation; removed only by the operator, with a statement of reasons."""

    published = "published"
    removed = "removed"


class ReportStatus(StrEnum):
    open = "open"
    handled = "handled"
