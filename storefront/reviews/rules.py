"""The rules of reviews, in one place, read by the code and by the reviews policy page."""
from __future__ import annotations

import datetime as dt

EDIT_WINDOW = dt.timedelta(days=30)  # from the delivery of the product
INVITATION_DELAY = dt.timedelta(days=7)  # after delivery
MAX_PUBLICATION_DELAY_WORKING_DAYS = 1  # reviews are in fact published at once
MAX_COMMENT_LENGTH = 2_000
PAGE_SIZE = 10
REPORTS_PER_HOUR = 5  # per reporter (account, e-mail or address)

SUB_RATINGS: dict[str, str] = {
    "value_for_money": "Quality/price ratio",
    "delivery": "Delivery",
    "packaging": "Packaging and cleanliness",
    "performance": "Overall performance",
    "aesthetics": "Aesthetic aspect",
}
# Root categories whose products get sub-ratings.
SUB_RATING_CATEGORIES = frozenset({"smartphones", "laptops", "tablets"})

SORTS: dict[str, str] = {
    "relevance": "Most relevant",
    "newest": "Newest",
    "highest": "Highest rating",
    "lowest": "Lowest rating",
}

# Relevance = up to 5 points for the comment's length (one per 100 characters, capped at 500)
# + 1 point for each star away from the middle of the scale (a 1-star or a 5-star review says more
# than a 3-star one, whichever way it goes). Ties: the newest first.
RELEVANCE_LENGTH_CAP = 500
RELEVANCE_FORMULA = (
    "Relevance = one point per 100 characters of comment (at most 5) + one point per star away from "
    "3 stars (a 1-star or a 5-star review gets 2). The order does not depend on whether a review is "
    "positive or negative. Equal scores: the newest first."
)

REPORT_REASONS: dict[str, str] = {
    "advertising": "Advertising",
    "duplicate": "Published several times or from several accounts",
    "off_topic": "Off-topic, or about the buying experience rather than the product",
    "other_product": "About another product",
    "competitor": "Encourages buying from a competitor",
    "inconsistent": "The rating does not match the text",
    "abusive": "Political, social, abusive, obscene, offensive, sexually explicit, defamatory or a personal attack",
    "misleading": "False, misleading, or written by a seller",
    "illegal": "Illegal, or links to illegal content",
    "third_party_rights": "Infringes someone else's rights",
    "identity_theft": "Published through identity theft",
    "personal_data": "Contains personal data or confidential information",
    "hatred": "Incites hatred, discrimination or violence",
}


def relevance(rating: int, comment: str) -> int:
    """The relevance score in thousandths, so the database can sort by it as an integer."""
    length_points = min(len(comment.strip()), RELEVANCE_LENGTH_CAP) * 1_000 // 100
    return length_points + abs(rating - 3) * 1_000
