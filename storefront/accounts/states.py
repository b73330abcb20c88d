"""What an account may do, as stored in `Account.role`."""
from enum import StrEnum


class Role(StrEnum):
    shopper = "shopper"
    seller = "seller"  # a seller's user: sees only its own seller's data
    operator = "operator"
